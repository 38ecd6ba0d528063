// The places registry at a district's scale: 100,000 rented homes (PINGAN_BENCH_PLACES to change
// it) over ~100 km² with 6 stations of 40 grids each, read from a generated CSV and imported in
// one transaction, then listed a page at a time by map box, by category and station, and
// counted by category and station. Baselines in the same run: a bare SQLite insert loop of the
// same rows into a table without indexes (what the import costs beyond writing the rows), and
// the same map box answered by a scan of the table (what the R*Tree saves).
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include "registry/place_csv.h"
#include "registry/registry_store.h"
#include "support/temp_dir.h"

namespace pingan::registry {
namespace {

constexpr double kLon0 = 121.30, kLat0 = 37.40;
constexpr double kSideDeg = 0.11;  // ~9.7 km east-west by 12.2 km north-south
constexpr int kStationsX = 3, kStationsY = 2, kGridsPerSide = 6;  // 6 stations, 36+ grids each

size_t PlaceCount() {
  const char* env = std::getenv("PINGAN_BENCH_PLACES");
  return env ? std::strtoul(env, nullptr, 10) : 100000;
}

Jurisdiction Square(std::string id, std::string parent, JurisdictionLevel level, double x0,
                    double y0, double x1, double y1) {
  Jurisdiction j{std::move(id), std::move(parent), "", level, {}};
  j.area.polygons.push_back({{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}, {}});
  return j;
}

std::shared_ptr<const JurisdictionIndex> District() {
  std::vector<Jurisdiction> all;
  all.push_back(Square("B", "", JurisdictionLevel::kBureau, kLon0, kLat0, kLon0 + kSideDeg,
                       kLat0 + kSideDeg));
  const double sx = kSideDeg / kStationsX, sy = kSideDeg / kStationsY;
  for (int x = 0; x < kStationsX; ++x) {
    for (int y = 0; y < kStationsY; ++y) {
      const std::string station = fmt::format("S{}{}", x, y);
      const double x0 = kLon0 + x * sx, y0 = kLat0 + y * sy;
      all.push_back(Square(station, "B", JurisdictionLevel::kStation, x0, y0, x0 + sx, y0 + sy));
      const double gx = sx / kGridsPerSide, gy = sy / kGridsPerSide;
      for (int i = 0; i < kGridsPerSide; ++i)
        for (int k = 0; k < kGridsPerSide; ++k)
          all.push_back(Square(fmt::format("{}-G{}{}", station, i, k), station,
                               JurisdictionLevel::kGrid, x0 + i * gx, y0 + k * gy,
                               x0 + (i + 1) * gx, y0 + (k + 1) * gy));
    }
  }
  return *JurisdictionIndex::Build(std::move(all));
}

// Rented homes clustered around 300 residential compounds, as they are; every tenth a hotel,
// internet café or small shop.
std::string GenerateCsv(size_t n) {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> unit(0, 1);
  std::normal_distribution<double> spread(0, 0.0015);
  std::vector<std::pair<double, double>> compounds;
  for (int i = 0; i < 300; ++i)
    compounds.emplace_back(kLon0 + 0.005 + unit(rng) * (kSideDeg - 0.01),
                           kLat0 + 0.005 + unit(rng) * (kSideDeg - 0.01));
  std::string csv =
      "external_id,name,category,sub_kind,address,lon,lat,contact_name,contact_phone\n";
  csv.reserve(n * 120);
  for (size_t i = 0; i < n; ++i) {
    const auto& [clon, clat] = compounds[size_t(unit(rng) * double(compounds.size()))];
    const char* category = i % 10 == 0 ? (i % 30 == 0 ? "trade" : "nine_small") : "出租房屋";
    const char* sub_kind =
        i % 10 == 0 ? (i % 30 == 0 ? "hotel" : "shop") : (i % 3 ? "整租" : "合租");
    csv += fmt::format("RH-{},幸福里{}号楼{}室,{},{},幸福路{}号,{:.6f},{:.6f},张{},138{:08d}\n", i,
                       i % 97, i % 1000, category, sub_kind, i % 500, clon + spread(rng),
                       clat + spread(rng), i % 100, i);
  }
  return csv;
}

// One imported registry, shared by the query benchmarks.
struct Fixture {
  test::TempDir dir;
  std::unique_ptr<RegistryStore> store;
  std::vector<Place> places;
  double import_s = 0;
};

Fixture& Imported() {
  static Fixture* f = [] {
    auto* fx = new Fixture;
    auto index = District();
    PlaceCsvOptions options;
    options.jurisdictions = index.get();
    PlaceCsv csv = ReadPlaceCsv(GenerateCsv(PlaceCount()), "bench.csv", options);
    if (csv.error_count > 0) std::abort();
    fx->places = std::move(csv.places);
    fx->store = std::move(*RegistryStore::Open(fx->dir.File("registry.db")));
    auto started = std::chrono::steady_clock::now();
    if (!fx->store->ImportPlaces(fx->places, FromMillis(0))) std::abort();
    fx->import_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return fx;
  }();
  return *f;
}

void BM_ReadCsv(benchmark::State& state) {
  const std::string csv = GenerateCsv(PlaceCount());
  auto index = District();
  PlaceCsvOptions options;
  options.jurisdictions = index.get();
  for (auto _ : state) {
    PlaceCsv read = ReadPlaceCsv(csv, "bench.csv", options);
    benchmark::DoNotOptimize(read.places.data());
  }
  state.counters["rows_per_s"] = benchmark::Counter(
      double(PlaceCount()) * double(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["csv_MiB"] = double(csv.size()) / (1 << 20);
}
BENCHMARK(BM_ReadCsv)->Unit(benchmark::kMillisecond);

void BM_Import(benchmark::State& state) {
  const std::vector<Place>& places = Imported().places;
  for (auto _ : state) {
    test::TempDir dir;
    auto store = RegistryStore::Open(dir.File("registry.db"));
    auto counts = (*store)->ImportPlaces(places, FromMillis(0));
    if (!counts || counts->created != std::int64_t(places.size())) state.SkipWithError("import");
  }
  state.counters["rows_per_s"] = benchmark::Counter(
      double(places.size()) * double(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Import)->Unit(benchmark::kMillisecond);

// Baseline: the same rows inserted by a bare prepared-statement loop into a table with no index,
// one transaction, the same pragmas.
void BM_ImportBareSqliteBaseline(benchmark::State& state) {
  const std::vector<Place>& places = Imported().places;
  for (auto _ : state) {
    test::TempDir dir;
    sqlite3* db = nullptr;
    sqlite3_open(dir.File("bare.db").c_str(), &db);
    sqlite3_exec(db,
                 "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE t(external_id "
                 "TEXT, name TEXT, category TEXT, sub_kind TEXT, address TEXT, lon REAL, lat REAL, "
                 "station_id TEXT, grid_id TEXT, contact_name TEXT, contact_phone TEXT); BEGIN",
                 nullptr, nullptr, nullptr);
    sqlite3_stmt* s = nullptr;
    sqlite3_prepare_v2(db, "INSERT INTO t VALUES (?,?,?,?,?,?,?,?,?,?,?)", -1, &s, nullptr);
    for (const Place& p : places) {
      int k = 1;
      for (const std::string* v : {&p.external_id, &p.name, &p.category, &p.sub_kind, &p.address})
        sqlite3_bind_text(s, k++, v->data(), int(v->size()), SQLITE_STATIC);
      sqlite3_bind_double(s, k++, p.location->lon);
      sqlite3_bind_double(s, k++, p.location->lat);
      for (const std::string* v : {&p.station_id, &p.grid_id, &p.contact_name, &p.contact_phone})
        sqlite3_bind_text(s, k++, v->data(), int(v->size()), SQLITE_STATIC);
      sqlite3_step(s);
      sqlite3_reset(s);
    }
    sqlite3_finalize(s);
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    sqlite3_close(db);
  }
  state.counters["rows_per_s"] = benchmark::Counter(
      double(places.size()) * double(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ImportBareSqliteBaseline)->Unit(benchmark::kMillisecond);

// A ~1 km² box around a busy compound: a page of 50 and the total.
BoundingBox BusyBox() {
  const Place& p = Imported().places[12345 % Imported().places.size()];
  return {p.location->lon - 0.006, p.location->lat - 0.0045, p.location->lon + 0.006,
          p.location->lat + 0.0045};
}

void BM_ListBbox(benchmark::State& state) {
  RegistryStore& store = *Imported().store;
  const BoundingBox box = BusyBox();
  std::int64_t total = 0;
  for (auto _ : state) {
    auto page = store.ListPlaces({.bbox = box, .limit = 50});
    total = page->total;
    benchmark::DoNotOptimize(page->places.data());
  }
  state.counters["in_box"] = double(total);
  state.counters["places"] = double(Imported().places.size());
}
BENCHMARK(BM_ListBbox)->Unit(benchmark::kMicrosecond);

// Baseline: the same box by a scan of the table (its own connection, no R*Tree).
void BM_ListBboxScanBaseline(benchmark::State& state) {
  Fixture& f = Imported();
  sqlite3* db = nullptr;
  sqlite3_open_v2(f.dir.File("registry.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* count = nullptr;
  sqlite3_stmt* page = nullptr;
  sqlite3_prepare_v2(db,
                     "SELECT COUNT(*) FROM places WHERE lon BETWEEN ?1 AND ?2 AND lat BETWEEN ?3 "
                     "AND ?4",
                     -1, &count, nullptr);
  sqlite3_prepare_v2(db,
                     "SELECT * FROM places WHERE lon BETWEEN ?1 AND ?2 AND lat BETWEEN ?3 AND ?4 "
                     "ORDER BY id LIMIT 50",
                     -1, &page, nullptr);
  const BoundingBox box = BusyBox();
  std::int64_t total = 0;
  for (auto _ : state) {
    for (sqlite3_stmt* s : {count, page}) {
      sqlite3_bind_double(s, 1, box.min_lon);
      sqlite3_bind_double(s, 2, box.max_lon);
      sqlite3_bind_double(s, 3, box.min_lat);
      sqlite3_bind_double(s, 4, box.max_lat);
      while (sqlite3_step(s) == SQLITE_ROW)
        if (s == count) total = sqlite3_column_int64(s, 0);
      sqlite3_reset(s);
    }
  }
  state.counters["in_box"] = double(total);
  sqlite3_finalize(count);
  sqlite3_finalize(page);
  sqlite3_close(db);
}
BENCHMARK(BM_ListBboxScanBaseline)->Unit(benchmark::kMicrosecond);

void BM_ListCategoryStation(benchmark::State& state) {
  RegistryStore& store = *Imported().store;
  std::int64_t total = 0;
  for (auto _ : state) {
    auto page = store.ListPlaces({.category = "rental_housing",
                                  .sub_kind = "shared",
                                  .station_id = "S11",
                                  .limit = 50,
                                  .offset = 1000});
    total = page->total;
    benchmark::DoNotOptimize(page->places.data());
  }
  state.counters["matching"] = double(total);
}
BENCHMARK(BM_ListCategoryStation)->Unit(benchmark::kMicrosecond);

void BM_ListCategory(benchmark::State& state) {
  RegistryStore& store = *Imported().store;
  std::int64_t total = 0;
  for (auto _ : state) {
    auto page = store.ListPlaces({.category = "trade", .limit = 50, .offset = 500});
    total = page->total;
    benchmark::DoNotOptimize(page->places.data());
  }
  state.counters["matching"] = double(total);
}
BENCHMARK(BM_ListCategory)->Unit(benchmark::kMicrosecond);

void BM_ListText(benchmark::State& state) {
  RegistryStore& store = *Imported().store;
  for (auto _ : state) {
    auto page = store.ListPlaces({.text = "幸福里42号楼", .limit = 50});
    benchmark::DoNotOptimize(page->places.data());
  }
}
BENCHMARK(BM_ListText)->Unit(benchmark::kMillisecond);

void BM_CountByCategoryAndStation(benchmark::State& state) {
  RegistryStore& store = *Imported().store;
  for (auto _ : state) {
    auto tally = store.Count({}, [](CaseId) { return HazardStatus::kOpen; });
    benchmark::DoNotOptimize(tally->total.places);
  }
  state.counters["import_s"] = Imported().import_s;
}
BENCHMARK(BM_CountByCategoryAndStation)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace pingan::registry

BENCHMARK_MAIN();
