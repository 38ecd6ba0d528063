#include "tracks/live_index.h"

#include <atomic>
#include <map>
#include <thread>

#include <gtest/gtest.h>

namespace pingan::tracks {
namespace {

using std::chrono::milliseconds;

const TimePoint kT0 = FromMillis(1'795'392'000'000);  // 2026-11-23T00:00:00Z

TrackPoint Fix(UnitId unit, long long ms, double lon = 121.4) {
  TrackPoint p;
  p.unit_id = unit;
  p.time = kT0 + milliseconds(ms);
  p.lon_e7 = ToE7(lon);
  p.lat_e7 = ToE7(37.5);
  return p;
}

std::map<UnitId, TrackPoint> ByUnit(const std::vector<TrackPoint>& points) {
  std::map<UnitId, TrackPoint> out;
  for (const TrackPoint& p : points) EXPECT_TRUE(out.emplace(p.unit_id, p).second) << p.unit_id;
  return out;
}

// Every behaviour holds with one lock as with many.
class LiveIndexTest : public testing::TestWithParam<std::size_t> {};
INSTANTIATE_TEST_SUITE_P(Stripes, LiveIndexTest, testing::Values(1, 64));

TEST_P(LiveIndexTest, KeepsTheNewestByFixTimeNotByArrival) {
  LiveIndex index(GetParam());
  EXPECT_EQ(index.Update(std::vector{Fix(1, 10'000, 121.41)}), 1u);
  // A late upload of an older fix does not move the unit back.
  EXPECT_EQ(index.Update(std::vector{Fix(1, 5'000, 121.40)}), 0u);
  EXPECT_EQ(index.Get(1), Fix(1, 10'000, 121.41));
  // A fix as old as the current one does not replace it either.
  EXPECT_EQ(index.Update(std::vector{Fix(1, 10'000, 121.49)}), 0u);
  EXPECT_EQ(index.Get(1), Fix(1, 10'000, 121.41));
  // Within one batch too: the newest wins wherever it is.
  EXPECT_EQ(index.Update(std::vector{Fix(2, 30, 1.3), Fix(2, 50, 1.5), Fix(2, 40, 1.4)}), 2u);
  EXPECT_EQ(index.Get(2), Fix(2, 50, 1.5));
  EXPECT_EQ(index.Get(3), std::nullopt);
  EXPECT_EQ(index.size(), 2u);
}

TEST_P(LiveIndexTest, TakeChangedGivesTheLatestOfEachChangedUnitOnce) {
  LiveIndex index(GetParam());
  index.Update(std::vector{Fix(1, 1), Fix(2, 1), Fix(1, 2)});
  index.Update(std::vector{Fix(1, 3)});
  EXPECT_EQ(ByUnit(index.TakeChanged()),
            (std::map<UnitId, TrackPoint>{{1, Fix(1, 3)}, {2, Fix(2, 1)}}));
  EXPECT_TRUE(index.TakeChanged().empty());
  // An older fix changes nothing, so there is nothing to send.
  index.Update(std::vector{Fix(2, 0)});
  EXPECT_TRUE(index.TakeChanged().empty());
  index.Update(std::vector{Fix(2, 7), Fix(3, 1)});
  EXPECT_EQ(ByUnit(index.TakeChanged()),
            (std::map<UnitId, TrackPoint>{{2, Fix(2, 7)}, {3, Fix(3, 1)}}));
}

TEST_P(LiveIndexTest, SnapshotHoldsEveryUnitSortedById) {
  LiveIndex index(GetParam());
  for (UnitId unit : {500, 3, 77, 1000, 64, 128}) index.Update(std::vector{Fix(unit, unit)});
  std::vector<TrackPoint> snapshot = index.Snapshot();
  ASSERT_EQ(snapshot.size(), 6u);
  std::vector<UnitId> units;
  for (const TrackPoint& p : snapshot) units.push_back(p.unit_id);
  EXPECT_EQ(units, (std::vector<UnitId>{3, 64, 77, 128, 500, 1000}));
  EXPECT_EQ(snapshot[2], Fix(77, 77));
}

// Writers on overlapping units, a reader and a draining feed at once (run it under the tsan
// preset). Each unit's fixes arrive from two threads out of order; in the end every unit holds
// its newest fix, and the feed never saw a unit go back in time.
TEST_P(LiveIndexTest, ConcurrentWritersReadersAndFeedAgree) {
  LiveIndex index(GetParam());
  constexpr int kUnits = 200;
  constexpr int kRounds = 2000;
  std::atomic<bool> is_writing = true;
  std::vector<std::thread> writers;
  for (int w = 0; w < 2; ++w) {
    writers.emplace_back([&, w] {
      std::vector<TrackPoint> batch;
      for (int round = w; round < kRounds; round += 2) {
        batch.clear();
        for (UnitId unit = 1; unit <= kUnits; ++unit) batch.push_back(Fix(unit, round));
        index.Update(batch);
      }
    });
  }
  std::thread reader([&] {
    while (is_writing) {
      for (UnitId unit = 1; unit <= kUnits; unit += 17) (void)index.Get(unit);
    }
  });
  std::map<UnitId, TimePoint> sent;
  bool went_back = false;
  auto drain = [&] {
    for (const TrackPoint& p : index.TakeChanged()) {
      auto [it, is_new] = sent.try_emplace(p.unit_id, p.time);
      if (!is_new) {
        went_back |= p.time <= it->second;
        it->second = p.time;
      }
    }
  };
  std::thread feed([&] {
    while (is_writing) drain();
  });
  for (std::thread& t : writers) t.join();
  is_writing = false;
  reader.join();
  feed.join();
  drain();
  EXPECT_FALSE(went_back);
  ASSERT_EQ(sent.size(), std::size_t{kUnits});
  for (const auto& [unit, time] : sent) EXPECT_EQ(time, kT0 + milliseconds(kRounds - 1));
  for (const TrackPoint& p : index.Snapshot()) EXPECT_EQ(p, Fix(p.unit_id, kRounds - 1));
}

}  // namespace
}  // namespace pingan::tracks
