#include "engine/position_service.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace pingan::engine {

PositionService::PositionService(tracks::TrackStore& store, LiveFeed& feed, const Clock& clock,
                                 PositionServiceOptions options)
    : store_(store), feed_(feed), clock_(clock), options_(options) {
  ticker_ = std::thread([this] { TickLoop(); });
}

PositionService::~PositionService() {
  Stop();
}

void PositionService::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (ticker_.joinable()) ticker_.join();
}

Status PositionService::Recover() {
  auto latest = store_.LatestPerUnit(clock_.Now() - options_.recover_window);
  if (!latest) return latest.error();
  live_.Update(*latest);
  live_.TakeChanged();  // nothing moved yet: the console reads the index when it connects
  spdlog::info("positions recovered for {} units", latest->size());
  return {};
}

void PositionService::Report(std::vector<tracks::TrackPoint> points,
                             std::function<void(Status)> done) {
  const TimePoint latest_allowed = clock_.Now() + options_.max_clock_ahead;
  for (size_t i = 0; i < points.size(); ++i) {
    if (points[i].time > latest_allowed) {
      done(InvalidInput(fmt::format("points[{}].time", i),
                        "the fix is stamped in the future; is the terminal's clock right?"));
      return;
    }
  }
  // The live index only ever shows durable positions: update it once the store has synced.
  auto kept = std::make_shared<std::vector<tracks::TrackPoint>>(points);
  store_.Append(std::move(points), [this, kept, done = std::move(done)](Status s) {
    if (s) live_.Update(*kept);
    done(std::move(s));
  });
}

std::optional<Position> PositionService::Latest(UnitId unit) const {
  auto p = live_.Get(unit);
  if (!p) return std::nullopt;
  return Position{p->lon_lat(), p->time};
}

void PositionService::TickLoop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    wake_.wait_for(lock, options_.feed_tick, [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    std::vector<tracks::TrackPoint> moved = live_.TakeChanged();
    if (!moved.empty()) {
      LiveDelta delta;
      delta.positions.reserve(moved.size());
      for (const auto& p : moved)
        delta.positions.push_back({p.unit_id, Position{p.lon_lat(), p.time}});
      feed_.Publish(delta);
    }
    lock.lock();
  }
}

}  // namespace pingan::engine
