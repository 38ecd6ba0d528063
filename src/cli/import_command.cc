// pingan import jurisdictions: load station areas, community posts and grids from GeoJSON.
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/platform.h"
#include "core/jurisdiction.h"

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

}  // namespace

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
}

}  // namespace pingan::cli
