// Subcommands of the pingan binary, one file each. Each registers itself on the CLI11 app; its
// callback throws CLI::RuntimeError(code) to fail with a message already printed.
#pragma once

#include <CLI/CLI.hpp>

#include "hotspots/incident_csv.h"

namespace pingan::cli {

void RegisterServeCommand(CLI::App& app);
void RegisterImportCommand(CLI::App& app);
// Adds `import places` to the `import` command RegisterImportCommand made.
void RegisterImportPlacesCommand(CLI::App& app);
// Adds `import fund-warnings` to the `import` command RegisterImportCommand made.
void RegisterImportFundWarningsCommand(CLI::App& app);
void RegisterUserCommand(CLI::App& app);
void RegisterDispatchCommand(CLI::App& app);
void RegisterBenchCommand(CLI::App& app);
void RegisterDemoCommand(CLI::App& app);
void RegisterHotspotsCommand(CLI::App& app);
void RegisterSimulateCommand(CLI::App& app);
void RegisterVisibilityCommand(CLI::App& app);
void RegisterApiKeyCommand(CLI::App& app);

// `pingan import roads FILE --data-dir DIR`: roads.graph and places.geojson from an OSM file;
// fails the command on error.
void ImportRoads(const std::string& file, const std::string& data_dir);

// Reads an incident CSV with a `--columns` mapping (and `--crs`, `--time-format`), as
// `hotspots evaluate`, `import incidents` and `simulate` do: prints every reported bad row to
// stderr; fails the command on a bad mapping or an unusable file.
hotspots::IncidentSet ReadIncidentsOrFail(const std::string& file, const std::string& columns,
                                          const std::string& crs, const std::string& time_format,
                                          hotspots::ReadReport& report);

// Prints "pingan: MESSAGE" to stderr and fails the command.
[[noreturn]] void Fail(const std::string& message);

}  // namespace pingan::cli
