#include "ingest/device_sink.h"

#include <cmath>

#include <spdlog/spdlog.h>

#include "core/gcj02.h"
#include "tracks/track_store.h"

namespace pingan::ingest {

DeviceSink::DeviceSink(engine::Engine& engine, engine::PositionService& positions)
    : engine_(engine), positions_(positions) {}

std::string DeviceSink::Key(Protocol protocol, const std::string& identifier) {
  if (protocol == Protocol::kJt808) {
    size_t first = identifier.find_first_not_of('0');
    return DeviceKey("jt808", first == std::string::npos ? "0" : identifier.substr(first));
  }
  return DeviceKey("osmand", identifier);
}

std::optional<DeviceRoute> DeviceSink::Find(Protocol protocol, const std::string& identifier) {
  const std::string key = Key(protocol, identifier);
  return engine_.Read([&](const engine::ReadView& view) -> std::optional<DeviceRoute> {
    if (!view.devices) return std::nullopt;
    auto it = view.devices->find(key);
    if (it == view.devices->end()) return std::nullopt;
    return it->second;
  });
}

bool DeviceSink::IsKnownDevice(Protocol protocol, const std::string& identifier) {
  return Find(protocol, identifier).has_value();
}

void DeviceSink::Submit(Protocol protocol, std::string identifier, std::vector<DeviceFix> fixes,
                        std::function<void(SinkResult)> done) {
  auto route = Find(protocol, identifier);
  if (!route) {
    done(SinkResult::kUnknownDevice);
    return;
  }
  const auto source =
      protocol == Protocol::kJt808 ? tracks::TrackSource::kJt808 : tracks::TrackSource::kOsmand;
  std::vector<tracks::TrackPoint> points;
  points.reserve(fixes.size());
  // Fixes are judged one by one: a terminal resends a whole unacknowledged batch, so one bad
  // fix must not hold the good ones hostage, nor be acknowledged and silently lost with them.
  const TimePoint latest_allowed = engine_.clock().Now() + engine::kMaxClockAhead;
  size_t dropped = 0;
  for (const DeviceFix& f : fixes) {
    if (!f.is_valid_fix) continue;
    if (f.time > latest_allowed) {
      ++dropped;
      continue;
    }
    LonLat at = route->is_gcj02 ? ToWgs84(Gcj02LonLat{f.lon, f.lat}) : LonLat{f.lon, f.lat};
    if (!IsValid(at)) continue;
    tracks::TrackPoint p;
    p.unit_id = route->unit_id;
    p.time = f.time;
    p.lon_e7 = tracks::ToE7(at.lon);
    p.lat_e7 = tracks::ToE7(at.lat);
    auto clamp16 = [](double v) {
      return std::uint16_t(std::clamp(std::lround(v), 0L, long(tracks::TrackPoint::kUnknown - 1)));
    };
    p.speed_cm_s = clamp16(f.speed_mps * 100);
    double heading = std::fmod(f.heading_deg, 360.0);
    if (heading < 0) heading += 360;
    p.heading_cdeg = std::uint16_t(std::lround(heading * 100) % 36000);
    p.accuracy_m = f.accuracy_m > 0 ? clamp16(f.accuracy_m) : tracks::TrackPoint::kUnknown;
    p.source = source;
    if (!tracks::ValidateTrackPoint(p)) {
      ++dropped;
      continue;
    }
    points.push_back(p);
  }
  if (dropped > 0) {
    spdlog::warn("{} of {} fixes from {} dropped: implausible time or value", dropped, fixes.size(),
                 identifier);
  }
  if (points.empty()) {
    done(SinkResult::kStored);  // nothing worth keeping; the terminal may move on
    return;
  }
  positions_.Report(std::move(points), [done = std::move(done), identifier](Status s) {
    if (!s) {
      spdlog::warn("positions from {} not stored: {}", identifier, s.error().message);
      done(SinkResult::kUnavailable);  // every fix was checked above: this is the store failing
      return;
    }
    done(SinkResult::kStored);
  });
}

}  // namespace pingan::ingest
