// Visibility (见警率) on tracks drawn by hand: each expected presence is worked out in the
// comment beside it.
#include "patrol/visibility.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <optional>
#include <random>

#include <gtest/gtest.h>

namespace pingan::patrol {
namespace {

const LonLat kCentre{121.40, 37.50};

// The point `east_m` east and `north_m` north of kCentre.
LonLat At(double east_m, double north_m) {
  constexpr double kMetresPerDegree = 6371008.8 * std::numbers::pi / 180;
  return {
      kCentre.lon + east_m / (kMetresPerDegree * std::cos(kCentre.lat * std::numbers::pi / 180)),
      kCentre.lat + north_m / kMetresPerDegree};
}

// A unit standing at (east_m, north_m) from `from` to `to`, a fix every `every_s` seconds
// and one at `to`.
Track Parked(double from, double to, double every_s, double east_m = 0, double north_m = 0) {
  Track track;
  for (int k = 0; from + k * every_s < to; ++k)
    track.push_back({from + k * every_s, At(east_m, north_m)});
  track.push_back({to, At(east_m, north_m)});
  return track;
}

Target CircleAtCentre(double from, double to, double radius_m = 150, double min_s = 300) {
  Target t;
  t.id = "c";
  t.kind = "risk_cell";
  t.station_id = "S1";
  t.at = kCentre;
  t.radius_m = radius_m;
  t.from = from;
  t.to = to;
  t.min_presence_s = min_s;
  return t;
}

TEST(Visibility, AUnitParkedForSevenMinutesIsPresent420Seconds) {
  // Inside, 20 m from the centre, 10:00:00–10:07:00 of a 10:00–11:00 window, a fix every 30 s.
  // The fix 500 s before it, a kilometre away, is further back than max_gap_s: no drive in
  // between is assumed.
  Track track = {{-500, At(1000, 0)}};
  Track parked = Parked(0, 420, 30, 20, 0);
  track.insert(track.end(), parked.begin(), parked.end());
  track.push_back({900, At(2000, 0)});  // gone 480 s later: also not joined
  std::vector<Target> targets = {CircleAtCentre(0, 3600, 150, 5 * 60),
                                 CircleAtCentre(0, 3600, 150, 10 * 60)};
  std::vector<double> presence = PresenceSeconds({track}, targets);
  ASSERT_EQ(presence.size(), 2u);
  EXPECT_NEAR(presence[0], 420, 1e-6);
  EXPECT_NEAR(presence[1], 420, 1e-6);

  std::vector<VisibilityRow> rows = Summarise({targets[0]}, {presence[0]});
  ASSERT_EQ(rows.size(), 2u);  // the district and S1
  EXPECT_EQ(rows[1].covered, 1);
  rows = Summarise({targets[1]}, {presence[1]});
  EXPECT_EQ(rows[1].covered, 0);
}

TEST(Visibility, DrivingThroughTheCircleCountsTheChordOverTheSpeed) {
  // East at 10 m/s along a line 90 m north of the centre, a fix every 7 s (none on the circle's
  // edge). The chord is 2·sqrt(150² − 90²) = 240 m: 24 s inside.
  Track track;
  for (int t = 0; t <= 200; t += 7) track.push_back({double(t), At(-1000 + 10 * t, 90)});
  std::vector<double> presence = PresenceSeconds({track}, {CircleAtCentre(-3600, 3600)});
  EXPECT_NEAR(presence[0], 24, 1.0);
  // Through the centre: 300 m, 30 s.
  Track through;
  for (int t = 0; t <= 200; t += 13) through.push_back({double(t), At(-1000 + 10 * t, 0)});
  EXPECT_NEAR(PresenceSeconds({through}, {CircleAtCentre(-3600, 3600)})[0], 30, 1.0);
  // Passing 160 m away: never inside.
  Track past;
  for (int t = 0; t <= 200; t += 10) past.push_back({double(t), At(-1000 + 10 * t, 160)});
  EXPECT_EQ(PresenceSeconds({past}, {CircleAtCentre(-3600, 3600)})[0], 0);
}

TEST(Visibility, TwoUnitsTogetherCountOnceNotTwice) {
  // Unit A inside 1000–1300, unit B 1200–1500: 500 s of presence, not 600.
  std::vector<Track> tracks = {Parked(1000, 1300, 20, 10, 0), Parked(1200, 1500, 15, -30, 40)};
  EXPECT_NEAR(PresenceSeconds(tracks, {CircleAtCentre(0, 3600)})[0], 500, 1e-6);
  // Apart in time they add up: 300 + 300.
  tracks[1] = Parked(2000, 2300, 15, -30, 40);
  EXPECT_NEAR(PresenceSeconds(tracks, {CircleAtCentre(0, 3600)})[0], 600, 1e-6);
}

TEST(Visibility, AGapAboveMaxGapIsNotBridged) {
  // Inside all along, fixes at 1000, 1100, 1400, 1500: the 300 s hole is longer than the
  // default 180 s, so 100 + 100 s count.
  Track track = {{1000, At(0, 0)}, {1100, At(5, 0)}, {1400, At(10, 0)}, {1500, At(0, 5)}};
  EXPECT_NEAR(PresenceSeconds({track}, {CircleAtCentre(0, 3600)})[0], 200, 1e-6);
  // With max_gap_s 400 the hole is bridged: 500 s.
  EXPECT_NEAR(PresenceSeconds({track}, {CircleAtCentre(0, 3600)}, {.max_gap_s = 400})[0], 500,
              1e-6);
}

TEST(Visibility, FixesOutsideTheWindowAreClipped) {
  // Inside 3400–3800 against the window 0–3600: 200 s. The next hour's target at the same
  // spot gets the other 200 s.
  Track late = Parked(3400, 3800, 20);
  std::vector<double> presence =
      PresenceSeconds({late}, {CircleAtCentre(0, 3600), CircleAtCentre(3600, 7200)});
  EXPECT_NEAR(presence[0], 200, 1e-6);
  EXPECT_NEAR(presence[1], 200, 1e-6);
  // Inside −100–100 against 0–3600: 100 s.
  EXPECT_NEAR(PresenceSeconds({Parked(-100, 100, 10)}, {CircleAtCentre(0, 3600)})[0], 100, 1e-6);
  // Entirely before the window: nothing.
  EXPECT_EQ(PresenceSeconds({Parked(-900, -100, 10)}, {CircleAtCentre(0, 3600)})[0], 0);
}

TEST(Visibility, EachTargetHasItsOwnRadius) {
  // 120 m from the centre for 10 minutes: inside a 150 m circle, outside a 100 m one.
  Track track = Parked(0, 600, 30, 0, 120);
  std::vector<double> presence =
      PresenceSeconds({track}, {CircleAtCentre(0, 3600, 150), CircleAtCentre(0, 3600, 100)});
  EXPECT_NEAR(presence[0], 600, 1e-6);
  EXPECT_EQ(presence[1], 0);
  // No tracks, or a single fix: no time at all.
  EXPECT_EQ(PresenceSeconds({}, {CircleAtCentre(0, 3600)})[0], 0);
  EXPECT_EQ(PresenceSeconds({{{10, kCentre}}}, {CircleAtCentre(0, 3600)})[0], 0);
}

TEST(Visibility, PresenceAgreesWithSamplingTheTracksEveryQuarterSecond) {
  // Five units wander for two hours with a fix every 5–60 s (some gaps above 180 s, one
  // unit standing still a while); thirty circles of 50–300 m with windows of 10–90 minutes.
  // The reference samples every unit's interpolated position every 0.25 s and measures with
  // the great-circle distance.
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> uniform(0, 1);
  std::vector<Track> tracks(5);
  for (size_t u = 0; u < tracks.size(); ++u) {
    double x = 800 * uniform(rng) - 400, y = 800 * uniform(rng) - 400, heading = 0;
    double t = 0;
    while (t < 7200) {
      tracks[u].push_back({t, At(x, y)});
      const double speed = u == 0 && t > 1000 && t < 2500 ? 0 : 8 * uniform(rng);
      heading += uniform(rng) - 0.5;
      x = std::clamp(x + 30 * speed * std::cos(heading), -500.0, 500.0);
      y = std::clamp(y + 30 * speed * std::sin(heading), -500.0, 500.0);
      t += 5 + 55 * uniform(rng) + (uniform(rng) < 0.03 ? 200 : 0);
    }
  }
  std::vector<Target> targets;
  for (int i = 0; i < 30; ++i) {
    Target t = CircleAtCentre(0, 0, 50 + 250 * uniform(rng));
    t.at = At(800 * uniform(rng) - 400, 800 * uniform(rng) - 400);
    t.from = 6600 * uniform(rng);
    t.to = t.from + 600 + 4800 * uniform(rng);
    targets.push_back(t);
  }
  const PresenceOptions options;
  auto position = [&](const Track& track, double t) -> std::optional<LonLat> {
    auto after = std::upper_bound(track.begin(), track.end(), t,
                                  [](double v, const Fix& f) { return v < f.t; });
    if (after == track.begin() || after == track.end()) return std::nullopt;
    const Fix& a = *(after - 1);
    const Fix& b = *after;
    if (b.t - a.t > options.max_gap_s) return std::nullopt;
    const double f = (t - a.t) / (b.t - a.t);
    return LonLat{a.at.lon + f * (b.at.lon - a.at.lon), a.at.lat + f * (b.at.lat - a.at.lat)};
  };
  std::vector<double> presence = PresenceSeconds(tracks, targets, options);
  double total = 0;
  for (size_t i = 0; i < targets.size(); ++i) {
    const Target& target = targets[i];
    double sampled = 0;
    for (int k = 0; target.from + 0.125 + 0.25 * k < target.to; ++k) {
      const double t = target.from + 0.125 + 0.25 * k;
      for (const Track& track : tracks) {
        auto p = position(track, t);
        if (p && DistanceM(*p, target.at) <= target.radius_m) {
          sampled += 0.25;
          break;
        }
      }
    }
    EXPECT_NEAR(presence[i], sampled, 1 + 0.005 * sampled) << "target " << i;
    total += sampled;
  }
  EXPECT_GT(total, 3600) << "the case is not vacuous";
}

TEST(Visibility, SummariseGivesSharesPerStationAndKindAndTheDistrict) {
  auto target = [](std::string station, std::string kind, double min_s) {
    Target t = CircleAtCentre(0, 3600, 150, min_s);
    t.station_id = std::move(station);
    t.kind = std::move(kind);
    return t;
  };
  // Presence 400 s each: covered when the minimum is 300, not when it is 600.
  std::vector<Target> targets = {
      target("S1", "risk_cell", 300), target("S1", "risk_cell", 600),
      target("S1", "risk_cell", 300), target("S1", "school_post", 600),
      target("S2", "risk_cell", 600), target("S2", "key_area", 300),
      target("", "risk_cell", 300),  // outside every station: the district row only
  };
  std::vector<VisibilityRow> rows = Summarise(targets, std::vector<double>(targets.size(), 400));
  struct Expected {
    const char* station;
    const char* kind;
    int targets, covered;
  };
  const Expected expected[] = {
      {"", "key_area", 1, 1},    {"", "risk_cell", 5, 3},     {"", "school_post", 1, 0},
      {"S1", "risk_cell", 3, 2}, {"S1", "school_post", 1, 0}, {"S2", "key_area", 1, 1},
      {"S2", "risk_cell", 1, 0},
  };
  ASSERT_EQ(rows.size(), std::size(expected));
  for (size_t i = 0; i < rows.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(rows[i].station_id, expected[i].station);
    EXPECT_EQ(rows[i].kind, expected[i].kind);
    EXPECT_EQ(rows[i].targets, expected[i].targets);
    EXPECT_EQ(rows[i].covered, expected[i].covered);
    EXPECT_DOUBLE_EQ(rows[i].share, double(expected[i].covered) / expected[i].targets);
  }
}

TEST(Visibility, RiskCellTargetsAreTheHottestShareOfEachHour) {
  // Twenty cells; 10 % is two a hour. Hour 3 has one cell with risk: one target.
  DayRisk risk;
  risk.cell_m = 150;
  for (int c = 0; c < 20; ++c) risk.centre.push_back(At(150.0 * c, 0));
  risk.hourly.assign(24, std::vector<double>(20, 0.0));
  for (int h = 0; h < 24; ++h) {
    if (h == 3) {
      risk.hourly[3][7] = 0.5;
      continue;
    }
    for (int c = 0; c < 20; ++c) risk.hourly[size_t(h)][size_t(c)] = 0.01 * ((c + h) % 20);
  }
  DayTargetOptions options;
  options.top_percent = 10;
  options.radius_m = 100;  // less than the cell's half-diagonal, 106 m
  int located = 0;
  StationOf station_of = [&](LonLat p) {
    ++located;
    return p.lon < At(1500, 0).lon ? std::string("S1") : std::string("S2");
  };
  std::vector<Target> targets = RiskCellTargets(1000, risk, station_of, options);
  ASSERT_EQ(targets.size(), 23u * 2 + 1);
  // Hour 0: cells 19 (0.19) and 18.
  EXPECT_EQ(targets[0].id, "cell:19@00");
  EXPECT_EQ(targets[0].station_id, "S2");
  EXPECT_EQ(targets[1].id, "cell:18@00");
  EXPECT_EQ(targets[0].kind, "risk_cell");
  EXPECT_NEAR(targets[0].radius_m, 150 * std::numbers::sqrt2 / 2, 1e-9);
  EXPECT_EQ(targets[0].from, 1000);
  EXPECT_EQ(targets[0].to, 1000 + 3600);
  EXPECT_EQ(targets[0].min_presence_s, 300);
  // Hour 1: cells 18 ((18 + 1) % 20 = 19) and 17.
  EXPECT_EQ(targets[2].id, "cell:18@01");
  EXPECT_EQ(targets[2].from, 1000 + 3600);
  // Hour 3: only cell 7, in S1.
  EXPECT_EQ(targets[6].id, "cell:7@03");
  EXPECT_EQ(targets[6].station_id, "S1");
  EXPECT_EQ(targets[7].id, "cell:15@04");
  // Each cell is located once, however many hours it is hot.
  EXPECT_LE(located, 20);
}

TEST(Visibility, PlacesGetTheirDutiesWindows) {
  std::vector<KeyPlace> places = {{"实验小学", "school", At(0, 0)},
                                  {"夜市", "night_market", At(500, 0)},
                                  {"人民医院", "hospital", At(900, 0)}};
  std::vector<Target> targets = PlaceTargets(
      0, places, [](LonLat) { return std::string("S1"); }, DayTargetOptions{});
  ASSERT_EQ(targets.size(), 3u);
  EXPECT_EQ(targets[0].id, "school:实验小学@07:30");
  EXPECT_EQ(targets[0].kind, "school_post");
  EXPECT_EQ(targets[0].radius_m, 100);
  EXPECT_EQ(targets[0].min_presence_s, 600);
  EXPECT_EQ(targets[0].from, 7.5 * 3600);
  EXPECT_EQ(targets[0].to, 8.5 * 3600);
  EXPECT_EQ(targets[1].from, 16.5 * 3600);
  EXPECT_EQ(targets[2].kind, "key_area");
  EXPECT_EQ(targets[2].from, 19 * 3600);
  EXPECT_EQ(targets[2].to, 23 * 3600);
  EXPECT_EQ(targets[2].radius_m, 150);
  EXPECT_EQ(targets[2].station_id, "S1");

  // A post staffed 07:40–07:52 (12 min) is covered; one staffed 07:25–07:34 (4 min in the
  // window) is not.
  std::vector<double> presence =
      PresenceSeconds({Parked(7 * 3600 + 40 * 60, 7 * 3600 + 52 * 60, 15, 30, 0)}, {targets[0]});
  EXPECT_NEAR(presence[0], 720, 1e-6);
  presence = PresenceSeconds({Parked(7 * 3600 + 25 * 60, 7 * 3600 + 34 * 60, 15)}, {targets[0]});
  EXPECT_NEAR(presence[0], 240, 1e-6);
  EXPECT_EQ(Summarise({targets[0]}, presence)[0].covered, 0);
}

}  // namespace
}  // namespace pingan::patrol
