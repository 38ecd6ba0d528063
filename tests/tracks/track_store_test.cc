#include "tracks/track_store.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>
#include <sys/resource.h>

#include "support/temp_dir.h"
#include "tracks/live_index.h"

namespace pingan::tracks {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::sys_days;

const sys_days kDay = std::chrono::year(2026) / 11 / 23;
const TimePoint kMidnight = TimePoint(kDay);  // 2026-11-23T00:00:00Z

TrackPoint Fix(UnitId unit, TimePoint time, double lon = 121.4, double lat = 37.5) {
  TrackPoint p;
  p.unit_id = unit;
  p.time = time;
  p.lon_e7 = ToE7(lon);
  p.lat_e7 = ToE7(lat);
  p.speed_cm_s = 1250;
  p.heading_cdeg = 9000;
  p.accuracy_m = 8;
  p.source = TrackSource::kJt808;
  return p;
}

std::unique_ptr<TrackStore> OpenStore(const test::TempDir& dir) {
  auto store = TrackStore::Open(dir.path());
  EXPECT_TRUE(store.has_value()) << store.error().message;
  return store ? std::move(*store) : nullptr;
}

std::vector<TrackPoint> ReadAll(const TrackStore& store) {
  auto points =
      store.Read(TrackQuery{std::nullopt, TimePoint(kFirstTrackDay), TimePoint(kEndTrackDay)});
  EXPECT_TRUE(points.has_value()) << points.error().message;
  return points ? *points : std::vector<TrackPoint>{};
}

std::string DayFile(const test::TempDir& dir, sys_days day) {
  return dir.File("tracks/" + TrackFileName(day));
}

void AppendBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

TEST(TrackStore, RecordsRoundTripWithEveryFieldAndTheExtremes) {
  // In the order Read() returns them: day files in order, arrival order within a file.
  std::vector<TrackPoint> points = {Fix(2, TimePoint(kFirstTrackDay))};
  TrackPoint west_south = Fix(1, kMidnight);  // the first millisecond of the day
  west_south.lon_e7 = -1'800'000'000;
  west_south.lat_e7 = -900'000'000;
  west_south.speed_cm_s = 0;
  west_south.heading_cdeg = 0;
  west_south.accuracy_m = 0;
  west_south.source = TrackSource::kApi;
  points.push_back(west_south);
  TrackPoint east_north = Fix(4'294'967'295, kMidnight + hours(24) - milliseconds(1));
  east_north.lon_e7 = 1'800'000'000;
  east_north.lat_e7 = 900'000'000;
  east_north.speed_cm_s = 65'534;
  east_north.heading_cdeg = 35'999;
  east_north.accuracy_m = 65'534;
  east_north.source = TrackSource::kSimulated;
  points.push_back(east_north);
  TrackPoint unknowns = Fix(77, kMidnight + hours(8), -0.0000001, -33.8688197);
  unknowns.speed_cm_s = TrackPoint::kUnknown;
  unknowns.heading_cdeg = TrackPoint::kUnknown;
  unknowns.accuracy_m = TrackPoint::kUnknown;
  unknowns.source = TrackSource::kOsmand;
  points.push_back(unknowns);
  points.push_back(Fix(3, TimePoint(kEndTrackDay) - milliseconds(1)));

  for (const TrackPoint& p : points) {
    TrackRecord r = EncodeTrackRecord(p);
    EXPECT_EQ(DecodeTrackRecord(r.data(), TrackDayOf(p.time)), p);
  }
  test::TempDir dir;
  {
    auto store = OpenStore(dir);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->AppendAndWait(points).has_value());
    EXPECT_EQ(ReadAll(*store), points);
    TrackStoreStats stats = store->stats();
    EXPECT_EQ(stats.points, points.size());
    // Three day files: a header each, and 24 bytes a point.
    EXPECT_EQ(stats.bytes, 3 * kTrackHeaderSize + points.size() * kTrackRecordSize);
  }
  auto store = OpenStore(dir);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(ReadAll(*store), points);
  EXPECT_EQ(unknowns.lon_lat().lon, -0.0000001);
  EXPECT_EQ(std::filesystem::file_size(DayFile(dir, kDay)),
            kTrackHeaderSize + 3 * kTrackRecordSize);
}

TEST(TrackStore, ARecordWithAFlippedBitOrOfZerosIsNotDecoded) {
  TrackRecord r = EncodeTrackRecord(Fix(42, kMidnight + hours(3)));
  for (std::size_t byte = 0; byte < r.size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      TrackRecord bad = r;
      bad[byte] ^= static_cast<std::uint8_t>(1 << bit);
      EXPECT_FALSE(DecodeTrackRecord(bad.data(), kDay)) << "byte " << byte << " bit " << bit;
    }
  }
  TrackRecord zeros{};
  EXPECT_FALSE(DecodeTrackRecord(zeros.data(), kDay));
}

TEST(TrackStore, PointsThatCannotBeStoredAreRefusedWithTheirField) {
  test::TempDir dir;
  auto store = OpenStore(dir);
  ASSERT_NE(store, nullptr);
  struct Case {
    TrackPoint point;
    std::string field;
  };
  TrackPoint heading = Fix(1, kMidnight);
  heading.heading_cdeg = 36'000;
  TrackPoint source = Fix(1, kMidnight);
  source.source = static_cast<TrackSource>(4);
  const std::vector<Case> cases = {
      {Fix(0, kMidnight), "points[1].unit_id"},
      {Fix(4'294'967'296, kMidnight), "points[1].unit_id"},
      {Fix(1, TimePoint(kFirstTrackDay) - milliseconds(1)), "points[1].time"},
      {Fix(1, TimePoint(kEndTrackDay)), "points[1].time"},
      {Fix(1, kMidnight, 180.0000001, 0), "points[1].lon_e7"},
      {Fix(1, kMidnight, 0, -90.0000001), "points[1].lat_e7"},
      {heading, "points[1].heading_cdeg"},
      {source, "points[1].source"},
  };
  for (const Case& c : cases) {
    Status s = store->AppendAndWait({Fix(1, kMidnight), c.point});
    ASSERT_FALSE(s.has_value()) << c.field;
    EXPECT_EQ(s.error().code, ErrorCode::kInvalidInput);
    EXPECT_EQ(s.error().field, c.field);
  }
  EXPECT_TRUE(ReadAll(*store).empty());
  EXPECT_TRUE(store->AppendAndWait({}).has_value());
  EXPECT_FALSE(store->stats().is_failed);
}

TEST(TrackStore, ConcurrentAppendsAreEachAcknowledgedOnceAndAllReadable) {
  test::TempDir dir;
  auto store = OpenStore(dir);
  ASSERT_NE(store, nullptr);
  constexpr int kThreads = 8;
  constexpr int kAppendsPerThread = 150;
  constexpr int kPointsPerAppend = 4;
  constexpr int kAppends = kThreads * kAppendsPerThread;
  std::vector<std::atomic<int>> done_calls(kAppends);
  std::atomic<int> failures = 0;
  std::mutex mu;
  std::condition_variable cv;
  int finished = 0;

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int a = 0; a < kAppendsPerThread; ++a) {
        const int id = t * kAppendsPerThread + a;
        std::vector<TrackPoint> points;
        for (int k = 0; k < kPointsPerAppend; ++k) {
          points.push_back(Fix(1 + t, kMidnight + milliseconds(id * kPointsPerAppend + k)));
        }
        store->Append(std::move(points), [&, id](Status s) {
          if (!s) ++failures;
          ++done_calls[id];
          std::lock_guard lock(mu);
          ++finished;
          cv.notify_all();
        });
      }
    });
  }
  for (std::thread& t : threads) t.join();
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(60), [&] { return finished >= kAppends; }));
  }
  EXPECT_EQ(failures, 0);
  for (int id = 0; id < kAppends; ++id) EXPECT_EQ(done_calls[id], 1) << "append " << id;

  std::vector<TrackPoint> read = ReadAll(*store);
  ASSERT_EQ(read.size(), std::size_t{kAppends * kPointsPerAppend});
  std::sort(read.begin(), read.end(),
            [](const TrackPoint& a, const TrackPoint& b) { return a.time < b.time; });
  for (int id = 0; id < kAppends; ++id) {
    for (int k = 0; k < kPointsPerAppend; ++k) {
      const int n = id * kPointsPerAppend + k;
      EXPECT_EQ(read[n], Fix(1 + id / kAppendsPerThread, kMidnight + milliseconds(n)));
    }
  }
  // Within one unit, the points of one thread are in the order that thread appended them.
  std::vector<TrackPoint> unit_3 = *store->Read(TrackQuery{3, kMidnight, kMidnight + hours(1)});
  ASSERT_EQ(unit_3.size(), std::size_t{kAppendsPerThread * kPointsPerAppend});
  EXPECT_TRUE(std::is_sorted(unit_3.begin(), unit_3.end(),
                             [](const auto& a, const auto& b) { return a.time < b.time; }));
  TrackStoreStats stats = store->stats();
  EXPECT_EQ(stats.points, std::uint64_t{kAppends * kPointsPerAppend});
  EXPECT_LE(stats.group_commits, std::uint64_t{kAppends});
  EXPECT_EQ(stats.queued_points, 0u);
}

TEST(TrackStore, ReadsSelectUnitAndTimeRangeAcrossDayBoundaries) {
  test::TempDir dir;
  auto store = OpenStore(dir);
  ASSERT_NE(store, nullptr);
  const TimePoint next_midnight = kMidnight + hours(24);
  const TrackPoint last_of_day = Fix(1, next_midnight - milliseconds(1));
  const TrackPoint first_of_next = Fix(1, next_midnight);
  const TrackPoint other_unit = Fix(2, next_midnight + milliseconds(500));
  const TrackPoint two_days_on = Fix(1, next_midnight + hours(30));
  // Arrives after the next day's fixes (a terminal back in coverage uploads what it kept),
  // and still lands in the file of its own day.
  const TrackPoint late_upload = Fix(2, kMidnight + hours(22));
  ASSERT_TRUE(store->AppendAndWait({last_of_day, first_of_next, other_unit}).has_value());
  ASSERT_TRUE(store->AppendAndWait({two_days_on}).has_value());
  ASSERT_TRUE(store->AppendAndWait({late_upload}).has_value());

  EXPECT_EQ(std::filesystem::file_size(DayFile(dir, kDay)),
            kTrackHeaderSize + 2 * kTrackRecordSize);
  EXPECT_TRUE(std::filesystem::exists(DayFile(dir, kDay + std::chrono::days(1))));
  EXPECT_TRUE(std::filesystem::exists(DayFile(dir, kDay + std::chrono::days(2))));

  auto read = [&](std::optional<UnitId> unit, TimePoint from, TimePoint to) {
    auto points = store->Read(TrackQuery{unit, from, to});
    EXPECT_TRUE(points.has_value());
    return *points;
  };
  using Points = std::vector<TrackPoint>;
  // Day files in order; within a file, arrival order.
  EXPECT_EQ(read(std::nullopt, kMidnight, next_midnight + hours(48)),
            (Points{last_of_day, late_upload, first_of_next, other_unit, two_days_on}));
  // `from` is inclusive and `to` exclusive, to the millisecond, on both sides of midnight.
  EXPECT_EQ(read(std::nullopt, next_midnight - milliseconds(1), next_midnight + milliseconds(1)),
            (Points{last_of_day, first_of_next}));
  EXPECT_EQ(read(std::nullopt, next_midnight, next_midnight + milliseconds(500)),
            (Points{first_of_next}));
  EXPECT_EQ(read(std::nullopt, kMidnight, next_midnight - milliseconds(1)), (Points{late_upload}));
  EXPECT_EQ(read(1, kMidnight, next_midnight + hours(48)),
            (Points{last_of_day, first_of_next, two_days_on}));
  EXPECT_EQ(read(2, kMidnight + hours(12), next_midnight + hours(1)),
            (Points{late_upload, other_unit}));
  EXPECT_EQ(read(std::nullopt, TimePoint::min(), TimePoint::max()).size(), 5u);
  EXPECT_TRUE(read(3, kMidnight, next_midnight + hours(48)).empty());
  EXPECT_TRUE(read(std::nullopt, next_midnight, next_midnight).empty());
  EXPECT_TRUE(read(std::nullopt, kMidnight - hours(48), kMidnight).empty());

  // Newest by fix time, not by arrival: unit 2's late upload is older than its other fix.
  auto latest = store->LatestPerUnit(kMidnight);
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(*latest, (Points{two_days_on, other_unit}));
  auto recent = store->LatestPerUnit(next_midnight + hours(1));
  ASSERT_TRUE(recent.has_value());
  EXPECT_EQ(*recent, (Points{two_days_on}));
}

TEST(TrackStore, LatestPerUnitRebuildsTheLiveIndex) {
  test::TempDir dir;
  LiveIndex fed_live;
  {
    auto store = OpenStore(dir);
    ASSERT_NE(store, nullptr);
    for (int round = 0; round < 50; ++round) {
      std::vector<TrackPoint> points;
      for (UnitId unit = 1; unit <= 40; ++unit) {
        // Some units report out of order; the index and the store must agree on the newest.
        int jitter = (unit % 3 == 0 && round % 2 == 1) ? -90 : 0;
        points.push_back(Fix(unit,
                             kMidnight + hours(23) + std::chrono::seconds(round * 60 + jitter),
                             121.4 + unit * 0.001, 37.5 + round * 0.0001));
      }
      ASSERT_TRUE(store->AppendAndWait(points).has_value());
      fed_live.Update(points);
    }
  }
  auto store = OpenStore(dir);
  ASSERT_NE(store, nullptr);
  auto latest = store->LatestPerUnit(kMidnight);
  ASSERT_TRUE(latest.has_value());
  LiveIndex rebuilt;
  rebuilt.Update(*latest);
  EXPECT_EQ(rebuilt.Snapshot(), fed_live.Snapshot());
  EXPECT_EQ(rebuilt.size(), 40u);
}

TEST(TrackStore, ATornLastRecordIsTruncatedAndAppendsContinue) {
  test::TempDir dir;
  const std::vector<TrackPoint> durable = {
      Fix(1, kMidnight + hours(1)), Fix(2, kMidnight + hours(2)), Fix(3, kMidnight + hours(3))};
  {
    auto store = OpenStore(dir);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->AppendAndWait(durable).has_value());
  }
  // A crash in the middle of writing a fourth record left its first 10 bytes.
  const std::string path = DayFile(dir, kDay);
  TrackRecord torn = EncodeTrackRecord(Fix(4, kMidnight + hours(4)));
  AppendBytes(path, std::string(torn.begin(), torn.begin() + 10));
  ASSERT_EQ(std::filesystem::file_size(path), kTrackHeaderSize + 3 * kTrackRecordSize + 10);

  auto store = OpenStore(dir);

  ASSERT_NE(store, nullptr);
  EXPECT_EQ(std::filesystem::file_size(path), kTrackHeaderSize + 3 * kTrackRecordSize);
  EXPECT_EQ(ReadAll(*store), durable);
  const TrackPoint after = Fix(5, kMidnight + hours(5));
  ASSERT_TRUE(store->AppendAndWait({after}).has_value());
  std::vector<TrackPoint> expected = durable;
  expected.push_back(after);
  EXPECT_EQ(ReadAll(*store), expected);
}

TEST(TrackStore, AZeroFilledOrGarbageTailIsDroppedButNotTheRecordsBeforeIt) {
  test::TempDir dir;
  const std::vector<TrackPoint> durable = {Fix(1, kMidnight + hours(1)),
                                           Fix(2, kMidnight + hours(2))};
  {
    auto store = OpenStore(dir);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->AppendAndWait(durable).has_value());
  }
  // After a crash some file systems show the unsynced end of a file as zeros, or as stale
  // bytes: two whole records of zeros, a record of garbage, then a torn one.
  const std::string path = DayFile(dir, kDay);
  AppendBytes(path, std::string(2 * kTrackRecordSize, '\0'));
  AppendBytes(path, std::string(kTrackRecordSize, '\x5a'));
  AppendBytes(path, std::string(7, '\0'));

  auto store = OpenStore(dir);

  ASSERT_NE(store, nullptr);
  EXPECT_EQ(std::filesystem::file_size(path), kTrackHeaderSize + 2 * kTrackRecordSize);
  EXPECT_EQ(ReadAll(*store), durable);
  EXPECT_EQ(store->stats().skipped_records, 0u);
}

TEST(TrackStore, AFileWithATornHeaderIsStartedAgain) {
  test::TempDir dir;
  std::filesystem::create_directories(dir.File("tracks"));
  // A crash while the file of a new day was being created.
  AppendBytes(DayFile(dir, kDay), "PGNTR");
  auto store = OpenStore(dir);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(std::filesystem::file_size(DayFile(dir, kDay)), kTrackHeaderSize);
  ASSERT_TRUE(store->AppendAndWait({Fix(1, kMidnight)}).has_value());
  EXPECT_EQ(ReadAll(*store), (std::vector<TrackPoint>{Fix(1, kMidnight)}));
}

TEST(TrackStore, AFileThatIsNotATrackFileIsRefusedAndLeftAlone) {
  test::TempDir dir;
  std::filesystem::create_directories(dir.File("tracks"));
  const std::string garbage(100, 'x');
  AppendBytes(DayFile(dir, kDay), garbage);
  auto store = TrackStore::Open(dir.path());
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code, ErrorCode::kInternal);
  EXPECT_NE(store.error().message.find("bad magic"), std::string::npos);
  EXPECT_EQ(std::filesystem::file_size(DayFile(dir, kDay)), garbage.size());
}

// Lowers RLIMIT_FSIZE, the kernel's cap on the size of files this process writes, while it
// lives: a write past the cap fails with EFBIG, as a write to a full disk fails with ENOSPC.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    ::getrlimit(RLIMIT_FSIZE, &saved_);
    // Ignored, the signal turns into an error from write() instead of killing the process.
    saved_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    rlimit lower = saved_;
    lower.rlim_cur = bytes;
    EXPECT_EQ(::setrlimit(RLIMIT_FSIZE, &lower), 0);
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &saved_);
    std::signal(SIGXFSZ, saved_handler_);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

 private:
  rlimit saved_{};
  void (*saved_handler_)(int) = SIG_DFL;
};

TEST(TrackStore, AFailedWriteFailsItsAppendAndEveryLaterOneUntilReopened) {
  test::TempDir dir;
  const std::vector<TrackPoint> durable = {Fix(1, kMidnight + hours(1)),
                                           Fix(2, kMidnight + hours(2))};
  const std::string path = DayFile(dir, kDay);
  {
    auto store = OpenStore(dir);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->AppendAndWait(durable).has_value());
    const auto size = std::filesystem::file_size(path);
    {
      // Room for 10 more bytes: the write of the next three records stops inside the first.
      FileSizeLimit limit(size + 10);
      Status failed =
          store->AppendAndWait({Fix(3, kMidnight + hours(3)), Fix(4, kMidnight + hours(4)),
                                Fix(5, kMidnight + hours(5))});
      ASSERT_FALSE(failed.has_value());
      EXPECT_EQ(failed.error().code, ErrorCode::kUnavailable);
      EXPECT_NE(failed.error().message.find("write"), std::string::npos) << failed.error().message;
    }
    EXPECT_EQ(std::filesystem::file_size(path), size + 10);
    // The disk has room again, but the tail is unknown: nothing more is acknowledged.
    Status later = store->AppendAndWait({Fix(6, kMidnight + hours(6))});
    ASSERT_FALSE(later.has_value());
    EXPECT_EQ(later.error().code, ErrorCode::kUnavailable);
    EXPECT_TRUE(store->stats().is_failed);
    EXPECT_EQ(store->stats().points, durable.size());
    // Readers see only what was acknowledged.
    EXPECT_EQ(ReadAll(*store), durable);
  }
  EXPECT_EQ(std::filesystem::file_size(path), kTrackHeaderSize + 2 * kTrackRecordSize + 10);
  auto store = OpenStore(dir);
  ASSERT_NE(store, nullptr);
  EXPECT_FALSE(store->stats().is_failed);
  EXPECT_EQ(std::filesystem::file_size(path), kTrackHeaderSize + 2 * kTrackRecordSize);
  EXPECT_EQ(ReadAll(*store), durable);
  ASSERT_TRUE(store->AppendAndWait({Fix(7, kMidnight + hours(7))}).has_value());
  EXPECT_EQ(ReadAll(*store).size(), 3u);
}

TEST(TrackStore, StopFinishesWhatIsQueuedAndRefusesLaterAppends) {
  test::TempDir dir;
  auto store = OpenStore(dir);
  ASSERT_NE(store, nullptr);
  std::atomic<int> acknowledged = 0;
  for (int k = 0; k < 100; ++k) {
    store->Append({Fix(1, kMidnight + milliseconds(k))}, [&](Status s) {
      if (s) ++acknowledged;
    });
  }
  store->Stop();
  EXPECT_EQ(acknowledged, 100);
  Status refused = store->AppendAndWait({Fix(1, kMidnight + hours(1))});
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(ReadAll(*store).size(), 100u);
}

}  // namespace
}  // namespace pingan::tracks
