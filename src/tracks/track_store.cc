#include "tracks/track_store.h"

#include <algorithm>
#include <filesystem>
#include <future>
#include <system_error>
#include <unordered_map>

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/time_format.h"

namespace pingan::tracks {

namespace {

using std::chrono::sys_days;

constexpr std::array<std::uint8_t, 8> kMagic = {'P', 'G', 'N', 'T', 'R', 'A', 'C', 'K'};
constexpr std::uint16_t kFormatVersion = 1;
constexpr std::int64_t kMsPerDay = 86'400'000;
constexpr std::int32_t kMaxLonE7 = 1'800'000'000;
constexpr std::int32_t kMaxLatE7 = 900'000'000;
constexpr std::uint16_t kMaxHeadingCdeg = 35'999;
// Records per pread() when scanning: about 1 MiB.
constexpr std::size_t kChunkRecords = 43'690;

// CRC-8/I-432-1 (the ATM header check of ITU-T I.432.1): polynomial 0x07, initial value 0, no
// reflection, final XOR 0x55. The XOR makes the check of an all-zero record 0x55, so a
// zero-filled tail never passes.
constexpr std::array<std::uint8_t, 256> MakeCrc8Table() {
  std::array<std::uint8_t, 256> table{};
  for (unsigned b = 0; b < 256; ++b) {
    unsigned c = b;
    for (int bit = 0; bit < 8; ++bit) c = (c & 0x80) != 0 ? (c << 1) ^ 0x07 : c << 1;
    table[b] = static_cast<std::uint8_t>(c);
  }
  return table;
}
constexpr std::array<std::uint8_t, 256> kCrc8Table = MakeCrc8Table();

constexpr std::uint8_t Crc8(const std::uint8_t* data, std::size_t n) {
  std::uint8_t crc = 0;
  for (std::size_t i = 0; i < n; ++i) crc = kCrc8Table[crc ^ data[i]];
  return static_cast<std::uint8_t>(crc ^ 0x55);
}
constexpr std::array<std::uint8_t, 9> kCrcCheckInput = {'1', '2', '3', '4', '5',
                                                        '6', '7', '8', '9'};
static_assert(Crc8(kCrcCheckInput.data(), kCrcCheckInput.size()) == 0xA1,
              "CRC-8/I-432-1 check value");

void Put16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v);
  p[1] = static_cast<std::uint8_t>(v >> 8);
}
void Put32(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
std::uint16_t Get16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}
std::uint32_t Get32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) |
         (std::uint32_t{p[3]} << 24);
}

std::string ErrnoText(int err) {
  return std::error_code(err, std::generic_category()).message();
}
Error Unavailable(std::string message) {
  return Error{ErrorCode::kUnavailable, std::move(message), {}};
}
Error IoError(const std::string& what, const std::string& path, int err) {
  return Unavailable(fmt::format("{} {}: {}", what, path, ErrnoText(err)));
}

// Closes a file descriptor when it goes out of scope.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() {
    if (fd_ >= 0) ::close(fd_);
  }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;
  int Release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

// Writes all of `data` at the file's end (O_APPEND), through short writes and EINTR. Returns 0
// or the errno of the failed write().
int WriteAll(int fd, const std::uint8_t* data, std::size_t n) {
  while (n > 0) {
    ssize_t written = ::write(fd, data, n);
    if (written < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    data += written;
    n -= static_cast<std::size_t>(written);
  }
  return 0;
}

// Reads up to `n` bytes at `offset`, through short reads and EINTR. Returns the bytes read
// (fewer than `n` only at the end of the file), or -errno.
ssize_t PreadAll(int fd, std::uint8_t* data, std::size_t n, std::uint64_t offset) {
  std::size_t done = 0;
  while (done < n) {
    ssize_t got = ::pread(fd, data + done, n - done, static_cast<off_t>(offset + done));
    if (got < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    if (got == 0) break;
    done += static_cast<std::size_t>(got);
  }
  return static_cast<ssize_t>(done);
}

std::array<std::uint8_t, kTrackHeaderSize> EncodeHeader(sys_days day) {
  std::array<std::uint8_t, kTrackHeaderSize> h{};
  std::copy(kMagic.begin(), kMagic.end(), h.begin());
  Put16(&h[8], kFormatVersion);
  Put16(&h[10], static_cast<std::uint16_t>(kTrackRecordSize));
  Put32(&h[12], static_cast<std::uint32_t>(day.time_since_epoch().count()));
  return h;  // bytes 16 … 23 are reserved, zero
}

// Why `h` is not the header of the file of `day` in a format this build reads, or "".
std::string CheckHeader(const std::uint8_t* h, sys_days day) {
  if (!std::equal(kMagic.begin(), kMagic.end(), h)) return "not a track file (bad magic)";
  if (Get16(h + 8) != kFormatVersion) {
    return fmt::format("format version {} is not supported (this build reads {})", Get16(h + 8),
                       kFormatVersion);
  }
  if (Get16(h + 10) != kTrackRecordSize) {
    return fmt::format("record size {} is not {}", Get16(h + 10), kTrackRecordSize);
  }
  auto header_day = static_cast<std::int32_t>(Get32(h + 12));
  if (header_day != day.time_since_epoch().count()) {
    return fmt::format("header is for day {} but the file name says day {}", header_day,
                       day.time_since_epoch().count());
  }
  return {};
}

std::optional<sys_days> ParseTrackFileName(const std::string& name) {
  // "YYYY-MM-DD.trk"
  if (name.size() != 14 || name.compare(10, 4, ".trk") != 0 || name[4] != '-' || name[7] != '-') {
    return std::nullopt;
  }
  auto number = [&](std::size_t pos, std::size_t len) -> int {
    int v = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
      if (name[i] < '0' || name[i] > '9') return -1;
      v = v * 10 + (name[i] - '0');
    }
    return v;
  };
  int y = number(0, 4), m = number(5, 2), d = number(8, 2);
  if (y < 0 || m < 0 || d < 0) return std::nullopt;
  std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(unsigned(m)),
                                  std::chrono::day(unsigned(d))};
  if (!ymd.ok()) return std::nullopt;
  sys_days day(ymd);
  if (day < kFirstTrackDay || day >= kEndTrackDay || TrackFileName(day) != name) {
    return std::nullopt;
  }
  return day;
}

// Cuts the file of `day` back to its last valid record and returns its size (see "Recovery" in
// docs/track_format.md).
Result<std::uint64_t> RecoverFile(const std::string& path, sys_days day) {
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return IoError("open", path, errno);
  FdCloser closer(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) return IoError("stat", path, errno);
  const auto size = static_cast<std::uint64_t>(st.st_size);

  if (size < kTrackHeaderSize) {
    // A file's header is synced before any record is written to it, so a short file is a
    // crash during its creation, and nothing in it was ever acknowledged.
    spdlog::warn("tracks: {} has a torn header ({} bytes); rewriting it", path, size);
    auto header = EncodeHeader(day);
    if (::ftruncate(fd, 0) != 0) return IoError("truncate", path, errno);
    if (::pwrite(fd, header.data(), header.size(), 0) != static_cast<ssize_t>(header.size())) {
      return IoError("write header of", path, errno);
    }
    if (::fdatasync(fd) != 0) return IoError("fdatasync", path, errno);
    return std::uint64_t{kTrackHeaderSize};
  }

  std::array<std::uint8_t, kTrackHeaderSize> header{};
  if (PreadAll(fd, header.data(), header.size(), 0) != static_cast<ssize_t>(header.size())) {
    return IoError("read header of", path, errno);
  }
  if (std::string why = CheckHeader(header.data(), day); !why.empty()) {
    return Error{ErrorCode::kInternal, fmt::format("{}: {}", path, why), {}};
  }

  // A torn last record: the crash came in the middle of a write.
  const std::uint64_t aligned_end =
      kTrackHeaderSize + (size - kTrackHeaderSize) / kTrackRecordSize * kTrackRecordSize;
  // Records after the last sync may be torn, zero-filled or garbage, and they are at most one
  // group commit: look back that far (plus one record, the last durable one) for the last
  // valid record. Anything invalid further back is corruption, not a crash; it stays where it
  // is, and readers skip it.
  const std::uint64_t window = (kMaxGroupCommitPoints + 1) * kTrackRecordSize;
  const std::uint64_t floor =
      aligned_end - kTrackHeaderSize > window ? aligned_end - window : kTrackHeaderSize;
  std::uint64_t end = aligned_end;
  std::vector<std::uint8_t> buffer;
  bool found_valid = false;
  while (end > floor && !found_valid) {
    const std::uint64_t chunk = kChunkRecords * kTrackRecordSize;
    const std::uint64_t start = end - floor > chunk ? end - chunk : floor;
    buffer.resize(end - start);
    if (PreadAll(fd, buffer.data(), buffer.size(), start) != static_cast<ssize_t>(buffer.size())) {
      return IoError("read", path, errno);
    }
    while (end > start) {
      if (DecodeTrackRecord(buffer.data() + (end - kTrackRecordSize - start), day)) {
        found_valid = true;
        break;
      }
      end -= kTrackRecordSize;
    }
  }
  if (!found_valid && floor > kTrackHeaderSize) {
    spdlog::warn("tracks: {} ends in more than {} invalid records; left in place", path,
                 kMaxGroupCommitPoints + 1);
    end = aligned_end;
  }
  if (end != size) {
    spdlog::warn("tracks: {}: truncating a torn tail of {} bytes ({} whole invalid records)", path,
                 size - end, (aligned_end - end) / kTrackRecordSize);
    if (::ftruncate(fd, static_cast<off_t>(end)) != 0) return IoError("truncate", path, errno);
    if (::fdatasync(fd) != 0) return IoError("fdatasync", path, errno);
  }
  return end;
}

}  // namespace

Status ValidateTrackPoint(const TrackPoint& p) {
  if (p.unit_id < 1 || p.unit_id > UnitId{0xFFFF'FFFF}) {
    return InvalidInput("unit_id", fmt::format("unit id {} is not in 1 … 4294967295", p.unit_id));
  }
  if (p.time < kFirstTrackDay || p.time >= kEndTrackDay) {
    return InvalidInput("time",
                        fmt::format("fix time {} is not in 2000 … 2099", FormatIso8601(p.time)));
  }
  if (p.lon_e7 < -kMaxLonE7 || p.lon_e7 > kMaxLonE7) {
    return InvalidInput("lon_e7", fmt::format("longitude {}e-7 is not in ±180°", p.lon_e7));
  }
  if (p.lat_e7 < -kMaxLatE7 || p.lat_e7 > kMaxLatE7) {
    return InvalidInput("lat_e7", fmt::format("latitude {}e-7 is not in ±90°", p.lat_e7));
  }
  if (p.heading_cdeg > kMaxHeadingCdeg && p.heading_cdeg != TrackPoint::kUnknown) {
    return InvalidInput("heading_cdeg",
                        fmt::format("heading {} is not in 0 … 35999 (0.01°)", p.heading_cdeg));
  }
  if (p.source > TrackSource::kSimulated) {
    return InvalidInput("source", fmt::format("unknown source {}", static_cast<int>(p.source)));
  }
  return {};
}

sys_days TrackDayOf(TimePoint t) {
  return std::chrono::floor<std::chrono::days>(t);
}

TrackRecord EncodeTrackRecord(const TrackPoint& p) {
  TrackRecord r{};
  const auto ms_of_day = static_cast<std::uint32_t>((p.time - TrackDayOf(p.time)).count());
  Put32(&r[0], static_cast<std::uint32_t>(p.unit_id));
  Put32(&r[4], ms_of_day);
  Put32(&r[8], static_cast<std::uint32_t>(p.lon_e7));
  Put32(&r[12], static_cast<std::uint32_t>(p.lat_e7));
  Put16(&r[16], p.speed_cm_s);
  Put16(&r[18], p.heading_cdeg);
  Put16(&r[20], p.accuracy_m);
  r[22] = static_cast<std::uint8_t>(p.source);
  r[23] = Crc8(r.data(), kTrackRecordSize - 1);
  return r;
}

std::optional<TrackPoint> DecodeTrackRecord(const std::uint8_t* record, sys_days day) {
  if (Crc8(record, kTrackRecordSize - 1) != record[kTrackRecordSize - 1]) return std::nullopt;
  TrackPoint p;
  p.unit_id = Get32(record);
  const std::uint32_t ms_of_day = Get32(record + 4);
  p.lon_e7 = static_cast<std::int32_t>(Get32(record + 8));
  p.lat_e7 = static_cast<std::int32_t>(Get32(record + 12));
  p.speed_cm_s = Get16(record + 16);
  p.heading_cdeg = Get16(record + 18);
  p.accuracy_m = Get16(record + 20);
  p.source = static_cast<TrackSource>(record[22]);
  // A record that passes the CRC by chance (1 in 256 for garbage) is still caught here mostly.
  if (p.unit_id == 0 || ms_of_day >= kMsPerDay || p.lon_e7 < -kMaxLonE7 || p.lon_e7 > kMaxLonE7 ||
      p.lat_e7 < -kMaxLatE7 || p.lat_e7 > kMaxLatE7 ||
      (p.heading_cdeg > kMaxHeadingCdeg && p.heading_cdeg != TrackPoint::kUnknown)) {
    return std::nullopt;
  }
  p.time = TimePoint(day) + std::chrono::milliseconds(ms_of_day);
  return p;
}

std::string TrackFileName(sys_days day) {
  std::chrono::year_month_day ymd(day);
  return fmt::format("{:04d}-{:02d}-{:02d}.trk", int(ymd.year()), unsigned(ymd.month()),
                     unsigned(ymd.day()));
}

TrackStore::TrackStore(std::string dir, TrackStoreOptions options)
    : dir_(std::move(dir)), options_(options) {
  PINGAN_CHECK(options_.max_open_files >= 1);
}

Result<std::unique_ptr<TrackStore>> TrackStore::Open(const std::string& data_dir,
                                                     TrackStoreOptions options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path dir = fs::path(data_dir) / "tracks";
  const bool is_new_dir = fs::create_directories(dir, ec);
  if (ec) return Unavailable(fmt::format("create {}: {}", dir.string(), ec.message()));
  std::unique_ptr<TrackStore> store(new TrackStore(dir.string(), options));
  store->dir_fd_ = ::open(store->dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (store->dir_fd_ < 0) return IoError("open", store->dir_, errno);
  if (is_new_dir) {
    // The new directory's own entry must survive a crash too, or so would none of its files.
    int parent = ::open(dir.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (parent < 0) return IoError("open", dir.parent_path().string(), errno);
    FdCloser closer(parent);
    if (::fsync(parent) != 0) return IoError("fsync", dir.parent_path().string(), errno);
  }

  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    std::optional<sys_days> day = ParseTrackFileName(name);
    std::error_code type_ec;
    if (!day || !it->is_regular_file(type_ec)) {
      spdlog::warn("tracks: ignoring {}, which is not a day file", it->path().string());
      continue;
    }
    Result<std::uint64_t> size = RecoverFile(it->path().string(), *day);
    if (!size) return size.error();
    store->durable_sizes_[*day] = *size;
  }
  if (ec) return Unavailable(fmt::format("list {}: {}", dir.string(), ec.message()));

  store->is_running_ = true;
  store->writer_ = std::thread([s = store.get()] { s->Run(); });
  return store;
}

TrackStore::~TrackStore() {
  Stop();
  for (auto& [day, file] : open_files_) ::close(file.fd);
  if (dir_fd_ >= 0) ::close(dir_fd_);
}

void TrackStore::Stop() {
  {
    std::lock_guard lock(queue_mu_);
    if (!is_running_) return;
    is_stopping_ = true;
  }
  queue_cv_.notify_all();
  writer_.join();
  std::lock_guard lock(queue_mu_);
  is_running_ = false;
}

void TrackStore::Append(std::vector<TrackPoint> points, Done done) {
  if (points.size() > kMaxGroupCommitPoints) {
    done(InvalidInput("points", fmt::format("{} points in one append; at most {}", points.size(),
                                            kMaxGroupCommitPoints)));
    return;
  }
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (Status s = ValidateTrackPoint(points[i]); !s) {
      Error e = s.error();
      e.field = fmt::format("points[{}].{}", i, e.field);
      done(std::move(e));
      return;
    }
  }
  if (points.empty()) {
    done({});
    return;
  }
  Error refused;
  {
    std::lock_guard lock(queue_mu_);
    if (!is_running_ || is_stopping_) {
      refused = Unavailable("the track store is stopped");
    } else if (is_failed_) {
      refused = Unavailable("track appends are refused after a failed write; restart to recover");
    } else if (queued_points_ + points.size() > options_.max_queued_points) {
      refused = Error{ErrorCode::kRateLimited,
                      fmt::format("{} points already wait for the disk", queued_points_),
                      {}};
    } else {
      queued_points_ += points.size();
      queue_.push_back(Pending{std::move(points), std::move(done)});
      if (queue_.size() == 1) queue_cv_.notify_one();
      return;
    }
  }
  done(std::move(refused));
}

Status TrackStore::AppendAndWait(std::vector<TrackPoint> points) {
  std::promise<Status> promise;
  std::future<Status> future = promise.get_future();
  Append(std::move(points), [&promise](Status s) { promise.set_value(std::move(s)); });
  return future.get();
}

void TrackStore::Run() {
  std::vector<Pending> batch;
  for (;;) {
    batch.clear();
    {
      std::unique_lock lock(queue_mu_);
      queue_cv_.wait(lock, [&] { return is_stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued is done
      std::size_t points = 0;
      while (!queue_.empty() &&
             (batch.empty() || points + queue_.front().points.size() <= kMaxGroupCommitPoints)) {
        points += queue_.front().points.size();
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      queued_points_ -= points;
    }
    Status status;
    if (is_failed_) {
      status = Unavailable("track appends are refused after a failed write; restart to recover");
    } else {
      status = Commit(batch);
      if (!status) {
        // What reached the disk is unknown (a failed fsync may have dropped dirty pages), so
        // acknowledge nothing from now on; Open() recovers the tails after a restart.
        is_failed_ = true;
        spdlog::critical("tracks: write failed, refusing all track appends: {}",
                         status.error().message);
      }
    }
    for (Pending& p : batch) p.done(status);
  }
}

Status TrackStore::Commit(const std::vector<Pending>& batch) {
  ++commit_count_;
  // One buffer per day file, each in arrival order. Nearly always a single day.
  std::map<sys_days, std::vector<std::uint8_t>> by_day;
  std::vector<std::uint8_t>* buffer = nullptr;
  sys_days buffer_day{};
  std::uint64_t points = 0;
  for (const Pending& pending : batch) {
    for (const TrackPoint& p : pending.points) {
      sys_days day = TrackDayOf(p.time);
      if (buffer == nullptr || day != buffer_day) {
        buffer = &by_day[day];
        buffer_day = day;
      }
      TrackRecord r = EncodeTrackRecord(p);
      buffer->insert(buffer->end(), r.begin(), r.end());
      ++points;
    }
  }

  std::vector<std::pair<sys_days, OpenFile*>> written;
  std::uint64_t bytes = 0;
  for (const auto& [day, data] : by_day) {
    Result<OpenFile*> file = FileFor(day);
    if (!file) return file.error();
    if (int err = WriteAll((*file)->fd, data.data(), data.size()); err != 0) {
      return IoError("write", PathOf(day), err);
    }
    (*file)->size += data.size();
    bytes += data.size();
    written.emplace_back(day, *file);
  }
  for (const auto& [day, file] : written) {
    if (Status s = Sync(file->fd, PathOf(day)); !s) return s;
  }
  {
    std::lock_guard lock(files_mu_);
    for (const auto& [day, file] : written) durable_sizes_[day] = file->size;
  }
  {
    std::lock_guard lock(stats_mu_);
    stats_.points += points;
    stats_.bytes += bytes;
    stats_.group_commits += 1;
  }
  // Close the least recently written files only now: each was synced by the commit that last
  // wrote it, and none of this commit's is closed before its sync.
  while (open_files_.size() > options_.max_open_files) {
    auto oldest = std::min_element(
        open_files_.begin(), open_files_.end(),
        [](const auto& a, const auto& b) { return a.second.last_use < b.second.last_use; });
    ::close(oldest->second.fd);
    open_files_.erase(oldest);
  }
  return {};
}

Result<TrackStore::OpenFile*> TrackStore::FileFor(sys_days day) {
  if (auto it = open_files_.find(day); it != open_files_.end()) {
    it->second.last_use = commit_count_;
    return &it->second;
  }
  OpenFile file;
  file.last_use = commit_count_;
  std::optional<std::uint64_t> durable_size;
  {
    std::lock_guard lock(files_mu_);
    if (auto it = durable_sizes_.find(day); it != durable_sizes_.end()) durable_size = it->second;
  }
  const std::string path = PathOf(day);
  if (durable_size) {
    file.fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (file.fd < 0) return IoError("open", path, errno);
    struct stat st {};
    if (::fstat(file.fd, &st) != 0 || static_cast<std::uint64_t>(st.st_size) != *durable_size) {
      ::close(file.fd);
      return Error{
          ErrorCode::kInternal, fmt::format("{} was changed outside the track store", path), {}};
    }
    file.size = *durable_size;
  } else if (Status s = CreateFile(day, file); !s) {
    return s.error();
  }
  return &open_files_.emplace(day, file).first->second;
}

Status TrackStore::CreateFile(sys_days day, OpenFile& file) {
  const std::string path = PathOf(day);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return IoError("create", path, errno);
  FdCloser closer(fd);
  const auto header = EncodeHeader(day);
  if (int err = WriteAll(fd, header.data(), header.size()); err != 0) {
    return IoError("write header of", path, err);
  }
  // The header and the file's name are durable before any record is written, so recovery can
  // tell a torn creation (a short file) from a damaged header (an error).
  if (Status s = Sync(fd, path); !s) return s;
  if (Status s = Sync(dir_fd_, dir_); !s) return s;
  file.fd = closer.Release();
  file.size = kTrackHeaderSize;
  {
    std::lock_guard lock(files_mu_);
    durable_sizes_[day] = kTrackHeaderSize;
  }
  std::lock_guard lock(stats_mu_);
  stats_.bytes += kTrackHeaderSize;
  return {};
}

Status TrackStore::Sync(int fd, const std::string& what) {
  const auto start = std::chrono::steady_clock::now();
  // fdatasync skips the inode's timestamps but still syncs the size a write changed; a
  // directory needs a full fsync for its entries.
  const int rc = fd == dir_fd_ ? ::fsync(fd) : ::fdatasync(fd);
  const int err = errno;
  const auto latency = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - start);
  {
    std::lock_guard lock(stats_mu_);
    stats_.fsyncs += 1;
    stats_.last_fsync_latency = latency;
  }
  if (rc != 0) return IoError("fsync", what, err);
  return {};
}

std::string TrackStore::PathOf(sys_days day) const {
  return dir_ + "/" + TrackFileName(day);
}

std::vector<std::pair<sys_days, std::uint64_t>> TrackStore::FilesIn(sys_days first,
                                                                    sys_days last) const {
  std::lock_guard lock(files_mu_);
  return {durable_sizes_.lower_bound(first), durable_sizes_.upper_bound(last)};
}

Status TrackStore::ScanFile(sys_days day, std::uint64_t size, const TrackQuery& query,
                            const std::function<void(const TrackPoint&)>& fn) const {
  const std::string path = PathOf(day);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return IoError("open", path, errno);
  FdCloser closer(fd);
  (void)::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);

  // Compare the raw unit and time fields first, so records that cannot match skip the decode.
  const bool has_unit = query.unit_id.has_value();
  const auto unit = static_cast<std::uint32_t>(query.unit_id.value_or(0));
  const std::int64_t from_ms = std::clamp<std::int64_t>((query.from - day).count(), 0, kMsPerDay);
  const std::int64_t to_ms = std::clamp<std::int64_t>((query.to - day).count(), 0, kMsPerDay);

  std::vector<std::uint8_t> buffer(kChunkRecords * kTrackRecordSize);
  std::uint64_t skipped = 0;
  for (std::uint64_t offset = kTrackHeaderSize; offset < size;) {
    const std::size_t want = std::min<std::uint64_t>(buffer.size(), size - offset);
    ssize_t got = PreadAll(fd, buffer.data(), want, offset);
    if (got < 0) return IoError("read", path, static_cast<int>(-got));
    if (static_cast<std::size_t>(got) != want) {
      return Error{ErrorCode::kInternal,
                   fmt::format("{} is shorter than its {} durable bytes", path, size),
                   {}};
    }
    for (std::size_t pos = 0; pos + kTrackRecordSize <= want; pos += kTrackRecordSize) {
      const std::uint8_t* record = buffer.data() + pos;
      if (has_unit && Get32(record) != unit) continue;
      const std::int64_t ms_of_day = Get32(record + 4);
      if (ms_of_day < from_ms || ms_of_day >= to_ms) continue;
      std::optional<TrackPoint> p = DecodeTrackRecord(record, day);
      if (!p) {
        ++skipped;
        continue;
      }
      fn(*p);
    }
    offset += want;
  }
  if (skipped > 0) {
    skipped_records_ += skipped;
    spdlog::warn("tracks: {}: skipped {} records that failed their check", path, skipped);
  }
  return {};
}

Status TrackStore::Read(const TrackQuery& query,
                        const std::function<void(const TrackPoint&)>& fn) const {
  // Files hold only [kFirstTrackDay, kEndTrackDay); clamping also keeps the millisecond
  // arithmetic in ScanFile far from overflow for a query from TimePoint::min().
  TrackQuery clamped = query;
  clamped.from = std::max(query.from, TimePoint(kFirstTrackDay));
  clamped.to = std::min(query.to, TimePoint(kEndTrackDay));
  if (clamped.to <= clamped.from) return {};
  const sys_days first = TrackDayOf(clamped.from);
  const sys_days last = TrackDayOf(clamped.to - std::chrono::milliseconds(1));
  for (const auto& [day, size] : FilesIn(first, last)) {
    if (Status s = ScanFile(day, size, clamped, fn); !s) return s;
  }
  return {};
}

Result<std::vector<TrackPoint>> TrackStore::Read(const TrackQuery& query) const {
  std::vector<TrackPoint> points;
  Status s = Read(query, [&](const TrackPoint& p) { points.push_back(p); });
  if (!s) return s.error();
  return points;
}

Result<std::vector<TrackPoint>> TrackStore::LatestPerUnit(TimePoint not_before) const {
  std::unordered_map<UnitId, TrackPoint> latest;
  Status s =
      Read(TrackQuery{std::nullopt, not_before, TimePoint(kEndTrackDay)}, [&](const TrackPoint& p) {
        auto [it, is_new] = latest.try_emplace(p.unit_id, p);
        if (!is_new && p.time > it->second.time) it->second = p;
      });
  if (!s) return s.error();
  std::vector<TrackPoint> points;
  points.reserve(latest.size());
  for (const auto& [unit, p] : latest) points.push_back(p);
  std::sort(points.begin(), points.end(),
            [](const TrackPoint& a, const TrackPoint& b) { return a.unit_id < b.unit_id; });
  return points;
}

TrackStoreStats TrackStore::stats() const {
  TrackStoreStats s;
  {
    std::lock_guard lock(stats_mu_);
    s = stats_;
  }
  {
    std::lock_guard lock(queue_mu_);
    s.queued_points = queued_points_;
  }
  s.skipped_records = skipped_records_;
  s.is_failed = is_failed_;
  return s;
}

}  // namespace pingan::tracks
