// pingan import places: the places registry from a CSV (docs/registry.md), all rows or none.
#include <chrono>
#include <iostream>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/platform.h"
#include "registry/place_csv.h"
#include "registry/registry.h"

namespace pingan::cli {

namespace {

struct PlaceImportOptions {
  std::string file;
  std::string data_dir = "var";
  std::string coordinates = "wgs84";
};

void ImportPlaces(const PlaceImportOptions& o) {
  if (o.coordinates != "wgs84" && o.coordinates != "gcj02")
    Fail(fmt::format("--coordinates {}: expected wgs84 or gcj02", o.coordinates));
  const auto started = std::chrono::steady_clock::now();
  auto text = ReadFile(o.file);
  if (!text) Fail(text.error().message);
  // The engine is opened for the jurisdictions (station and grid of each place), and holds the
  // data directory's lock while the registry is written.
  auto platform = OpenPlatform(o.data_dir);
  if (!platform) Fail(platform.error().message);
  std::shared_ptr<const JurisdictionIndex> jurisdictions = (*platform)->engine->jurisdictions();
  registry::PlaceCsvOptions options;
  options.is_gcj02 = o.coordinates == "gcj02";
  options.jurisdictions = jurisdictions.get();
  registry::PlaceCsv csv = registry::ReadPlaceCsv(*text, o.file, options);
  if (csv.error_count > 0) {
    for (const std::string& e : csv.errors) std::cerr << e << "\n";
    if (csv.error_count > csv.errors.size())
      std::cerr << fmt::format("… and {} more\n", csv.error_count - csv.errors.size());
    Fail(fmt::format("{}: {} error{}; nothing imported", o.file, csv.error_count,
                     csv.error_count == 1 ? "" : "s"));
  }
  auto opened = registry::OpenRegistry(o.data_dir);
  if (!opened) Fail(opened.error().message);
  auto counts = (*opened)->store->ImportPlaces(csv.places, (*platform)->clock.Now());
  if (!counts) Fail(fmt::format("{}: nothing imported: {}", o.file, counts.error().message));
  (*platform)->engine->Stop();
  size_t without_station = 0, without_location = 0;
  for (const registry::Place& p : csv.places) {
    without_station += p.station_id.empty();
    without_location += !p.location.has_value();
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
  std::cout << fmt::format(
                   "imported {} places from {} into {}/{}: {} new, {} updated; {} without a "
                   "location, {} without a station{}; {} ms",
                   csv.places.size(), o.file, o.data_dir, registry::kRegistryFile, counts->created,
                   counts->updated, without_location, without_station,
                   csv.ignored_columns.empty()
                       ? std::string()
                       : fmt::format("; columns ignored: {}", fmt::join(csv.ignored_columns, ", ")),
                   ms)
            << std::endl;
}

}  // namespace

void RegisterImportPlacesCommand(CLI::App& app) {
  CLI::App* import = app.get_subcommand("import");
  auto options = std::make_shared<PlaceImportOptions>();
  CLI::App* cmd = import->add_subcommand(
      "places",
      "Import places (涉危单位, 行业场所, 重点单位, 出租房屋, 九小场所, 企业, 重点项目) from a "
      "UTF-8 "
      "CSV into DIR/registry.db: columns external_id, name, category, sub_kind, address, lon, "
      "lat, station_id, grid_id, contact_name, contact_phone, officer, notes (docs/registry.md). "
      "All rows or none: every error is reported as FILE:LINE with its column. A place whose "
      "external_id is on file already is updated. Stations and grids come from the locations "
      "and the imported jurisdictions. Run while the server is stopped.");
  cmd->add_option("file", options->file, "CSV file")->required()->check(CLI::ExistingFile);
  cmd->add_option("--data-dir", options->data_dir, "Data directory")->capture_default_str();
  cmd->add_option("--coordinates", options->coordinates,
                  "datum of lon/lat: wgs84, or gcj02 (Chinese map services), converted to wgs84")
      ->capture_default_str();
  cmd->callback([options] { ImportPlaces(*options); });
}

}  // namespace pingan::cli
