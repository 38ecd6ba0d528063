#include "roads/graph_file.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

namespace pingan::roads {
namespace {

constexpr char kMagic[8] = {'P', 'N', 'G', 'R', 'O', 'A', 'D', 'S'};
constexpr uint32_t kVersion = 2;  // 2: standard FNV-1a offset basis in the checksum

// `basis`: version 1 files were written with a mistyped offset basis; they still load.
constexpr uint64_t kFnvBasis = 14695981039346656037ull;  // the standard FNV-1a 64 offset basis
constexpr uint64_t kFnvBasisV1 = 1469598103934665603ull;

uint64_t Fnv1a(const char* data, size_t size, uint64_t basis = kFnvBasis) {
  uint64_t h = basis;
  for (size_t i = 0; i < size; ++i) {
    h ^= uint8_t(data[i]);
    h *= 1099511628211ull;
  }
  return h;
}

class Writer {
 public:
  template <typename T>
  void Put(T value) {
    const char* p = reinterpret_cast<const char*>(&value);
    out.append(p, sizeof(T));
  }
  std::string out;
};

class Reader {
 public:
  Reader(const char* data, size_t size) : p_(data), end_(data + size) {}
  template <typename T>
  bool Get(T& value) {
    if (size_t(end_ - p_) < sizeof(T)) return false;
    std::memcpy(&value, p_, sizeof(T));
    p_ += sizeof(T);
    return true;
  }
  bool GetBytes(std::string& s, size_t n) {
    if (size_t(end_ - p_) < n) return false;
    s.assign(p_, n);
    p_ += n;
    return true;
  }
  bool done() const { return p_ == end_; }

 private:
  const char* p_;
  const char* end_;
};

}  // namespace

Status GraphFile::Save(const RoadGraph& graph, const std::string& path) {
  Writer w;
  w.out.append(kMagic, sizeof(kMagic));
  w.Put(kVersion);
  w.Put(uint32_t(graph.node_count()));
  w.Put(uint32_t(graph.segment_count()));
  w.Put(uint32_t(graph.names().size()));
  for (LonLat p : graph.nodes()) {
    w.Put(p.lon);
    w.Put(p.lat);
  }
  for (const Segment& s : graph.segments()) {
    w.Put(s.from);
    w.Put(s.to);
    w.Put(s.length_m);
    w.Put(s.name);
    w.Put(s.road_class);
  }
  for (int m = 0; m < kModeCount; ++m) {
    for (SegmentIndex s = 0; s < graph.segment_count(); ++s) {
      auto t = graph.time_ms(TravelMode(m), s);
      w.Put(t[0]);
      w.Put(t[1]);
    }
  }
  for (const std::string& name : graph.names()) {
    w.Put(uint32_t(name.size()));
    w.out += name;
  }
  w.Put(Fnv1a(w.out.data(), w.out.size()));

  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Error{ErrorCode::kUnavailable, fmt::format("{}: cannot create", tmp), {}};
  size_t written = 0;
  while (written < w.out.size()) {
    ssize_t n = ::write(fd, w.out.data() + written, w.out.size() - written);
    if (n <= 0) {
      ::close(fd);
      return Error{ErrorCode::kUnavailable, fmt::format("{}: write failed", tmp), {}};
    }
    written += size_t(n);
  }
  bool ok = ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    return Error{ErrorCode::kUnavailable, fmt::format("{}: cannot write", path), {}};
  }
  return {};
}

Result<RoadGraph> GraphFile::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{ErrorCode::kNotFound, fmt::format("{}: cannot open", path), "file"};
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto bad = [&](std::string_view what) {
    return Error{ErrorCode::kInvalidInput, fmt::format("{}: {}", path, what), "file"};
  };
  if (data.size() < sizeof(kMagic) + 8 || std::memcmp(data.data(), kMagic, sizeof(kMagic)) != 0) {
    return bad("not a Pingan road graph (run `pingan import roads`)");
  }
  uint64_t stored_sum = 0;
  std::memcpy(&stored_sum, data.data() + data.size() - 8, 8);
  Reader r(data.data() + sizeof(kMagic), data.size() - sizeof(kMagic) - 8);
  uint32_t version = 0, node_count = 0, segment_count = 0, name_count = 0;
  if (!r.Get(version)) return bad("truncated header");
  const uint64_t basis = version == 1 ? kFnvBasisV1 : kFnvBasis;
  if (Fnv1a(data.data(), data.size() - 8, basis) != stored_sum) {
    return bad("checksum mismatch (damaged)");
  }
  if (version != kVersion && version != 1) {
    return bad(fmt::format("format version {} (this build reads {}); re-import the map", version,
                           kVersion));
  }
  if (!r.Get(node_count) || !r.Get(segment_count) || !r.Get(name_count)) {
    return bad("truncated header");
  }
  std::vector<LonLat> nodes(node_count);
  for (LonLat& p : nodes) {
    if (!r.Get(p.lon) || !r.Get(p.lat)) return bad("truncated nodes");
  }
  std::vector<Segment> segments(segment_count);
  for (Segment& s : segments) {
    if (!r.Get(s.from) || !r.Get(s.to) || !r.Get(s.length_m) || !r.Get(s.name) ||
        !r.Get(s.road_class)) {
      return bad("truncated segments");
    }
    if (s.from >= node_count || s.to >= node_count || s.name >= name_count) {
      return bad("segment refers to a node or name that does not exist");
    }
  }
  std::array<std::vector<std::array<uint32_t, 2>>, kModeCount> times;
  for (auto& mode_times : times) {
    mode_times.resize(segment_count);
    for (auto& t : mode_times) {
      if (!r.Get(t[0]) || !r.Get(t[1])) return bad("truncated travel times");
    }
  }
  std::vector<std::string> names(name_count);
  for (std::string& name : names) {
    uint32_t size = 0;
    if (!r.Get(size) || !r.GetBytes(name, size)) return bad("truncated names");
  }
  if (!r.done()) return bad("trailing bytes");
  return RoadGraph(std::move(nodes), std::move(segments), std::move(names), std::move(times));
}

}  // namespace pingan::roads
