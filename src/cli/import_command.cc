// pingan import jurisdictions | roads | incidents: station areas and grids from GeoJSON, the
// road graph from OpenStreetMap, and the incidents of an earlier system for the risk map.
#include <chrono>
#include <fstream>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/platform.h"
#include "core/jurisdiction.h"
#include "hotspots/incident_csv.h"
#include "map/places.h"
#include "roads/graph_file.h"
#include "roads/osm_import.h"

namespace pingan::cli {

namespace {

struct JurisdictionImportOptions {
  std::string file;
  std::string data_dir = "var";
  GeoJsonFields fields;
  std::string level;
};

void ImportJurisdictions(JurisdictionImportOptions options) {
  if (!options.level.empty()) {
    options.fields.default_level = ParseJurisdictionLevel(options.level);
    if (!options.fields.default_level) {
      Fail(fmt::format("--level {}: expected bureau, station, post or grid", options.level));
    }
  }
  auto text = ReadFile(options.file);
  if (!text) Fail(text.error().message);
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(*text);
  } catch (const nlohmann::json::parse_error& e) {
    Fail(fmt::format("{}: not valid JSON: {}", PositionInFile(options.file, *text, e.byte),
                     e.what()));
  }
  auto parsed = ParseJurisdictionGeoJson(doc, options.fields);
  if (!parsed)
    Fail(fmt::format("{}: {}: {}", options.file, parsed.error().field, parsed.error().message));
  size_t count = parsed->size();
  auto platform = OpenPlatform(options.data_dir);
  if (!platform) Fail(platform.error().message);
  auto result =
      (*platform)->engine->Execute(Command{"cli", DefineJurisdictions{std::move(*parsed)}});
  if (!result) {
    Fail(fmt::format("{}: {}{}", options.file,
                     result.error().field.empty() ? "" : result.error().field + ": ",
                     result.error().message));
  }
  (*platform)->engine->Stop();
  std::cout << fmt::format("imported {} jurisdictions from {} into {}", count, options.file,
                           options.data_dir)
            << std::endl;
}

struct RoadImportOptions {
  std::string file;
  std::string data_dir = "var";
};

void ImportRoadsCommand(const RoadImportOptions& options) {
  // The lock keeps a running server from reading a half-replaced directory; the graph file
  // itself is replaced atomically.
  auto lock = DataDirLock::Acquire(options.data_dir);
  if (!lock) Fail(lock.error().message);
  auto started = std::chrono::steady_clock::now();
  roads::ImportReport report;
  auto graph = roads::ImportOsm(options.file, &report);
  if (!graph) Fail(graph.error().message);
  if (graph->segment_count() == 0) Fail(options.file + ": no roads found (no highway=* ways)");
  const std::string path = options.data_dir + "/" + std::string(roads::kRoadGraphFile);
  if (Status saved = roads::GraphFile::Save(*graph, path); !saved) Fail(saved.error().message);
  // Named places (schools, malls, markets, hospitals ...) for the map and address search.
  auto places = map::ImportOsmPlaces(options.file);
  if (!places) Fail(places.error().message);
  const std::string places_path = options.data_dir + "/" + std::string(map::kPlacesFile);
  if (Status saved = map::SavePlaces(places_path, *places); !saved) Fail(saved.error().message);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  started)
                .count();
  std::cout
      << fmt::format(
             "imported roads from {} into {}: {} nodes, {} segments, directed edges car {} "
             "motorcycle {} foot {} bicycle {}; {} routable ways of {}; {} segments "
             "dropped for missing nodes, {} for implausible length; {} street names; {} named "
             "places; {} ms, peak memory {:.0f} MiB",
             options.file, path, graph->node_count(), graph->segment_count(),
             graph->edge_count(TravelMode::kCar), graph->edge_count(TravelMode::kMotorcycle),
             graph->edge_count(TravelMode::kFoot), graph->edge_count(TravelMode::kBicycle),
             report.ways_routable, report.ways_read, report.node_refs_missing,
             report.segments_too_long, graph->names().size() - 1, places->size(), ms, PeakRssMib())
      << std::endl;
}

struct IncidentImportOptions {
  std::string file;
  std::string data_dir = "var";
  std::string columns;
  std::string crs;
  std::string time_format;
};

// Incidents of an earlier system into DIR/history/incidents.csv, the risk map's past. The file
// replaces the previous import; the ledger is not touched.
void ImportIncidentHistory(const IncidentImportOptions& o) {
  hotspots::ReadReport report;
  hotspots::IncidentSet set = ReadIncidentsOrFail(o.file, o.columns, o.crs, o.time_format, report);
  const std::string path = o.data_dir + "/" + hotspots::kHistoryFile;
  if (Status s = hotspots::WriteIncidentHistory(path, set); !s) Fail(s.error().message);
  std::cout << fmt::format(
      "{} incidents from {} written to {} ({} rows read, {} skipped{}); pingan serve reads them "
      "at start\n",
      set.incidents.size(), o.file, path, report.rows, report.rows - report.kept,
      set.date_only ? "; dates only, no times of day" : "");
}

}  // namespace

void ImportRoads(const std::string& file, const std::string& data_dir) {
  ImportRoadsCommand(RoadImportOptions{file, data_dir});
}

void RegisterImportCommand(CLI::App& app) {
  CLI::App* import = app.add_subcommand("import", "Import data into a data directory");
  import->require_subcommand(1);

  auto options = std::make_shared<JurisdictionImportOptions>();
  CLI::App* cmd = import->add_subcommand(
      "jurisdictions",
      "Import jurisdictions (分局/派出所/警务室/网格) from a GeoJSON FeatureCollection of "
      "Polygon or MultiPolygon features. Existing ids are replaced; the resulting tree must be "
      "valid (parents exist and are one level up or more).");
  cmd->add_option("file", options->file, "GeoJSON file")->required()->check(CLI::ExistingFile);
  cmd->add_option("--data-dir", options->data_dir, "Data directory")->capture_default_str();
  cmd->add_option("--id-field", options->fields.id, "Property holding the id")
      ->capture_default_str();
  cmd->add_option("--parent-field", options->fields.parent_id, "Property holding the parent id")
      ->capture_default_str();
  cmd->add_option("--name-field", options->fields.name, "Property holding the name")
      ->capture_default_str();
  cmd->add_option("--level-field", options->fields.level, "Property holding the level")
      ->capture_default_str();
  cmd->add_option("--level", options->level,
                  "Level for features without one: bureau, station, post or grid");
  cmd->add_option("--parent", options->fields.default_parent, "Parent id for features without one");
  cmd->callback([options] { ImportJurisdictions(*options); });

  auto roads_options = std::make_shared<RoadImportOptions>();
  CLI::App* roads_cmd = import->add_subcommand(
      "roads",
      "Build the road graph (car, motorcycle, foot, bicycle) from an OpenStreetMap extract "
      "(.osm.pbf, .osm, .osm.gz, .osm.bz2) into DIR/roads.graph. Needed again only when the map "
      "changes; pingan serve loads it at start.");
  roads_cmd->add_option("file", roads_options->file, "OSM file")
      ->required()
      ->check(CLI::ExistingFile);
  roads_cmd->add_option("--data-dir", roads_options->data_dir, "Data directory")
      ->capture_default_str();
  roads_cmd->callback([roads_options] { ImportRoadsCommand(*roads_options); });

  auto incidents = std::make_shared<IncidentImportOptions>();
  CLI::App* incidents_cmd = import->add_subcommand(
      "incidents",
      "Import incidents of an earlier system (a CSV) as the history the risk map learns from "
      "(DIR/history/incidents.csv, replacing the previous import). Bad rows are reported with "
      "file, line and column and skipped.");
  incidents_cmd->add_option("file", incidents->file, "CSV file")
      ->required()
      ->check(CLI::ExistingFile);
  incidents_cmd->add_option("--data-dir", incidents->data_dir, "Data directory")
      ->capture_default_str();
  incidents_cmd
      ->add_option("--columns", incidents->columns,
                   "time=COL,lon=COL,lat=COL[,x=COL,y=COL][,category=COL]")
      ->required();
  incidents_cmd->add_option("--crs", incidents->crs, "coordinate system of x=/y=, e.g. EPSG:2913");
  incidents_cmd->add_option("--time-format", incidents->time_format,
                            "strptime format, e.g. %Y-%m-%d %H:%M");
  incidents_cmd->callback([incidents] { ImportIncidentHistory(*incidents); });
}

}  // namespace pingan::cli
