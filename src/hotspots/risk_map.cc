#include "hotspots/risk_map.h"

#include <charconv>
#include <cmath>
#include <numbers>
#include <numeric>

#include "hotspots/evaluation.h"

namespace pingan::hotspots {
namespace {

constexpr double kDay = 86400;

std::optional<int> Hour(std::string_view text) {
  int v = -1;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < 0 || v > 24) return {};
  return v;
}

}  // namespace

std::optional<Slot> ParseSlot(const std::string& text) {
  std::string_view s(text);
  size_t dash = s.find('-');
  auto begin = Hour(s.substr(0, dash));
  if (!begin || *begin == 24) return {};
  if (dash == std::string_view::npos) return Slot{*begin, *begin + 1};
  auto end = Hour(s.substr(dash + 1));
  if (!end) return {};
  int e = *end <= *begin ? *end + 24 : *end;
  if (e - *begin > 24) return {};
  return Slot{*begin, e};
}

std::vector<Slot> DaySlots(int count) {
  std::vector<Slot> slots;
  if (count < 1 || 24 % count != 0) return slots;
  int len = 24 / count;
  for (int h = 0; h < 24; h += len) slots.push_back({h, h + len});
  return slots;
}

RiskMap BuildRiskMap(const EventData& events, const Grid& grid, const std::vector<int>& region,
                     double now, const std::vector<Slot>& slots, Model& spatial,
                     const RiskMapOptions& options) {
  RiskMap map;
  map.slots = slots;
  const size_t end = events.IndexAt(now);
  const size_t first = events.IndexAt(now - options.profile_window_days * kDay);
  map.history = end - first;

  // Where: the spatial model's surface as each region cell's share of the district.
  spatial.SetStudyRegion(region);
  std::vector<double> surface = spatial.Predict(events, grid, now);
  std::vector<double> share(grid.size(), 0.0);
  double sum = 0;
  for (int c : region) sum += std::max(0.0, surface[size_t(c)]);
  for (int c : region)
    share[size_t(c)] =
        sum > 0 ? std::max(0.0, surface[size_t(c)]) / sum : 1.0 / double(region.size());

  // How many: the district's daily level over the recent window (or what history there is).
  double rate_from = now - options.rate_window_days * kDay;
  if (end > 0) rate_from = std::max(rate_from, std::floor(events.t.front() / kDay) * kDay);
  const double rate_days = std::max(1.0, (now - rate_from) / kDay);
  const double per_day = double(end - events.IndexAt(rate_from)) / rate_days;

  // When: the district's hour of week, and each cell's own hours of the day gathered by a
  // kernel, in events' worth: an event counts 1 at its own spot, less further away.
  const std::vector<double> profile = TimeProfile(events, now, options.profile_window_days);
  std::vector<double> day_share(24, 0.0);
  for (int i = 0; i < 168; ++i) day_share[size_t(i % 24)] += profile[size_t(i)];
  std::vector<std::vector<double>> by_hour(24, std::vector<double>(grid.size(), 0.0));
  const double unit = std::numbers::pi * options.profile_bandwidth_m * options.profile_bandwidth_m /
                      3;  // the quartic's peak is 3/(π h²)
  for (size_t i = first; i < end; ++i) {
    if (events.cell[i] < 0) continue;
    AddQuartic(grid, events.at[i], options.profile_bandwidth_m, unit,
               by_hour[size_t(DayOfWeekAndHour(events.t[i]).second)]);
  }
  std::vector<double> cell_total(grid.size(), 0.0);
  for (int c : region)
    for (int h = 0; h < 24; ++h) cell_total[size_t(c)] += by_hour[size_t(h)][size_t(c)];

  const double prior = options.profile_prior_events;
  for (const Slot& slot : slots) {
    double start = std::floor(now / kDay) * kDay + slot.begin_hour * 3600.0;
    const int hours = slot.end_hour - slot.begin_hour;
    if (start + hours * 3600.0 <= now) start += kDay;
    double total = 0, district_share = 0;
    for (int k = 0; k < hours; ++k) {
      auto [dow, hour] = DayOfWeekAndHour(start + k * 3600.0);
      total += 7 * per_day * profile[size_t(dow * 24 + hour)];
      district_share += day_share[size_t(hour)];
    }
    std::vector<double> risk(grid.size(), 0.0);
    double raw = 0;
    for (int c : region) {
      double own = 0;
      for (int k = 0; k < hours; ++k) own += by_hour[size_t((slot.begin_hour + k) % 24)][size_t(c)];
      // The cell's share of its day falling in the slot, against the district's share.
      double tilt = (own + prior * district_share) / (cell_total[size_t(c)] + prior) /
                    std::max(district_share, 1e-12);
      risk[size_t(c)] = share[size_t(c)] * tilt;
      raw += risk[size_t(c)];
    }
    if (raw > 0)
      for (int c : region) risk[size_t(c)] *= total / raw;
    map.slot_start.push_back(start);
    map.slot_total.push_back(total);
    map.risk.push_back(std::move(risk));
  }
  return map;
}

std::unique_ptr<Model> MakeModel(const std::string& name, double cell_m) {
  for (auto& model : StandardModels(cell_m))
    if (model->name() == name) return std::move(model);
  return nullptr;
}

}  // namespace pingan::hotspots
