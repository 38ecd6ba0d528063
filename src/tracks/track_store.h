// TrackStore: every GPS position ever reported (轨迹 tracks), append-only and durable. Positions
// arrive far too often for the event ledger (tens of thousands per second at peak), so they come
// here instead: fixed-size 24-byte records, one file per UTC day, DATA_DIR/tracks/YYYY-MM-DD.trk
// (layout, durability and recovery in docs/track_format.md). The latest position of each unit
// is kept in memory by LiveIndex; this store is for patrol presence and replaying a night.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "tracks/track_point.h"

namespace pingan::tracks {

// Sizes of a day file's header and of one record, in bytes.
inline constexpr std::size_t kTrackHeaderSize = 24;
inline constexpr std::size_t kTrackRecordSize = 24;
// One group commit writes at most this many records, so after a crash at most this many
// records at the end of a file were never made durable; recovery looks no further back.
inline constexpr std::size_t kMaxGroupCommitPoints = 65536;
// Fix times a file can hold: [2000-01-01, 2100-01-01) UTC.
inline constexpr std::chrono::sys_days kFirstTrackDay{std::chrono::year(2000) / 1 / 1};
inline constexpr std::chrono::sys_days kEndTrackDay{std::chrono::year(2100) / 1 / 1};

// Whether `p` can be stored: unit 1 … 2^32 − 1, time within [kFirstTrackDay, kEndTrackDay),
// lon/lat within ±180e7/±90e7, heading at most 35 999 or kUnknown, a known source. Errors:
// kInvalidInput naming the field ("unit_id", "time", "lon_e7", "lat_e7", "heading_cdeg",
// "source"). Whether a fix is plausible (not from the future, not from a stuck clock) is the
// caller's policy, decided at the edge before Append; see docs/track_format.md.
Status ValidateTrackPoint(const TrackPoint& p);

// One record as stored (little-endian, docs/track_format.md).
using TrackRecord = std::array<std::uint8_t, kTrackRecordSize>;
// The UTC day whose file holds a fix: the day of its time, not of its arrival.
std::chrono::sys_days TrackDayOf(TimePoint t);
// Encodes `p` for the file of TrackDayOf(p.time). REQUIRES: ValidateTrackPoint(p) succeeds.
TrackRecord EncodeTrackRecord(const TrackPoint& p);
// Decodes a record read from the file of `day`. nullopt when its check byte (CRC-8) or a field
// is invalid: a torn or zero-filled tail, or corruption. Unknown source values are kept.
std::optional<TrackPoint> DecodeTrackRecord(const std::uint8_t* record, std::chrono::sys_days day);
// Name of the file of `day`: "2026-11-23.trk".
std::string TrackFileName(std::chrono::sys_days day);

struct TrackStoreOptions {
  // Day files the writer keeps open. Fixes for other days (late uploads from a terminal that
  // was out of coverage) reopen their file, closing the least recently used.
  std::size_t max_open_files = 4;
  // Append() refuses with kRateLimited while this many points wait for the writer (the disk
  // cannot keep up); a terminal that gets no ack sends again later.
  std::size_t max_queued_points = std::size_t{1} << 20;
};

struct TrackStoreStats {
  std::uint64_t points = 0;         // points made durable since Open
  std::uint64_t bytes = 0;          // bytes made durable since Open (records and file headers)
  std::uint64_t group_commits = 0;  // write rounds of the writer thread
  std::uint64_t fsyncs = 0;         // fdatasync/fsync calls: one per day file per group commit, and
                                    // two more when a file is created (the file and its directory)
  std::chrono::microseconds last_fsync_latency{0};  // duration of the newest fdatasync call
  std::uint64_t queued_points = 0;                  // waiting for the writer now
  std::uint64_t skipped_records = 0;  // records that failed their check when read (corruption)
  bool is_failed = false;             // a write or sync failed: appends refused until restart
};

// Which points Read() returns.
struct TrackQuery {
  std::optional<UnitId> unit_id;  // nullopt: every unit
  TimePoint from;                 // inclusive
  TimePoint to;                   // exclusive
};

class TrackStore {
 public:
  // Opens or creates DATA_DIR/tracks, recovers every day file in it (a torn or zero-filled
  // last record, left by a crash in the middle of a write, is truncated away; see
  // docs/track_format.md) and starts the writer thread. One store per directory: the caller
  // holds the data-directory lock. Errors: kUnavailable when the directory or a file cannot be
  // created, read or truncated; kInternal for a file that is not a track file of a version
  // this build reads (it is left as it is, for an operator to look at).
  static Result<std::unique_ptr<TrackStore>> Open(const std::string& data_dir,
                                                  TrackStoreOptions options = {});
  // Stop(), then closes the files.
  ~TrackStore();
  TrackStore(const TrackStore&) = delete;
  TrackStore& operator=(const TrackStore&) = delete;

  using Done = std::function<void(Status)>;
  // Queues `points`. The writer thread writes everything queued in one write per day file and
  // one fdatasync per day file (group commit), then runs the `done` of each Append in that
  // round, in queue order. Success means every point of this call is durable. Thread-safe.
  // Each point goes to the file of its own UTC day, in arrival order within the file.
  // `done` runs exactly once: on the writer thread, or on the calling thread, before Append
  // returns, with
  //   kInvalidInput when a point fails ValidateTrackPoint (field "points[i].<field>"), or
  //     there are more than kMaxGroupCommitPoints points; nothing of the call is written;
  //   kRateLimited when options.max_queued_points are already waiting;
  //   kUnavailable when the store is stopped, or when a write or sync failed, in this round or
  //     any earlier one: after a failed fsync nobody knows what the files' tails hold, so no
  //     later append is acknowledged until the process restarts and recovers the files.
  // An empty `points` succeeds at once. `done` must be quick and must not wait for another
  // append: on the writer thread it holds up every later round.
  void Append(std::vector<TrackPoint> points, Done done);
  // Append() and wait for its `done`.
  Status AppendAndWait(std::vector<TrackPoint> points);

  // Calls `fn` for each durable point matching `query`, day file by day file in ascending day
  // order and, within a file, in arrival order (not sorted by time). Points appended while
  // Read runs may or may not be seen. Records that fail their check are skipped and counted
  // (stats().skipped_records). Thread-safe, from any thread, concurrently with appends.
  // Errors: kUnavailable when a file cannot be opened or read; kInternal when a file is
  // shorter than what was made durable (it was cut outside the store).
  Status Read(const TrackQuery& query, const std::function<void(const TrackPoint&)>& fn) const;
  Result<std::vector<TrackPoint>> Read(const TrackQuery& query) const;

  // The newest point (by fix time; the earliest stored on a tie) of each unit with a fix at or
  // after `not_before`, sorted by unit id: rebuilds LiveIndex at start-up. Scans the files of
  // the days from `not_before` to the newest file. Thread-safe. Errors as Read().
  Result<std::vector<TrackPoint>> LatestPerUnit(TimePoint not_before) const;

  // Finishes what is queued and stops the writer thread; later appends get kUnavailable.
  // Idempotent, but not to be called from two threads at once.
  void Stop();

  TrackStoreStats stats() const;
  // DATA_DIR/tracks.
  const std::string& dir() const { return dir_; }

 private:
  struct Pending {
    std::vector<TrackPoint> points;
    Done done;
  };
  struct OpenFile {
    int fd = -1;
    std::uint64_t size = 0;      // bytes written, durable or not
    std::uint64_t last_use = 0;  // group commit that last wrote it, for closing the oldest
  };

  TrackStore(std::string dir, TrackStoreOptions options);
  void Run();
  Status Commit(const std::vector<Pending>& batch);
  Result<OpenFile*> FileFor(std::chrono::sys_days day);
  Status CreateFile(std::chrono::sys_days day, OpenFile& file);
  Status Sync(int fd, const std::string& what);
  std::string PathOf(std::chrono::sys_days day) const;
  // Durable sizes of the files of [first, last], copied under files_mu_.
  std::vector<std::pair<std::chrono::sys_days, std::uint64_t>> FilesIn(
      std::chrono::sys_days first, std::chrono::sys_days last) const;
  Status ScanFile(std::chrono::sys_days day, std::uint64_t size, const TrackQuery& query,
                  const std::function<void(const TrackPoint&)>& fn) const;

  const std::string dir_;
  const TrackStoreOptions options_;
  int dir_fd_ = -1;  // for fsync after creating a file

  // The writer thread's own: files open for appending.
  std::map<std::chrono::sys_days, OpenFile> open_files_;
  std::uint64_t commit_count_ = 0;

  // Every day file and its durable size: what readers may read. Grows only after a sync.
  mutable std::mutex files_mu_;
  std::map<std::chrono::sys_days, std::uint64_t> durable_sizes_;

  mutable std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<Pending> queue_;
  std::size_t queued_points_ = 0;
  bool is_stopping_ = false;
  bool is_running_ = false;

  std::atomic<bool> is_failed_{false};
  mutable std::atomic<std::uint64_t> skipped_records_{0};
  mutable std::mutex stats_mu_;
  TrackStoreStats stats_;  // all but queued_points, skipped_records and is_failed

  std::thread writer_;
};

}  // namespace pingan::tracks
