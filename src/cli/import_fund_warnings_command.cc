// pingan import fund-warnings: fund warnings (资金预警) from a CSV file into the ledger as
// fund_warning cases routed to stations, all rows or none (docs/cases.md, "Fund warnings").
#include <chrono>
#include <filesystem>
#include <future>
#include <iostream>
#include <map>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "api/fund_warning_routes.h"
#include "cli/commands.h"
#include "cli/platform.h"
#include "map/address_search.h"
#include "map/places.h"
#include "roads/graph_file.h"

namespace pingan::cli {

namespace {

struct FundWarningImportOptions {
  std::string file;
  std::string data_dir = "var";
};

void PrintProblems(const std::string& file, const std::vector<cases::CsvProblem>& problems) {
  for (const cases::CsvProblem& p : problems) {
    std::cerr << (p.column.empty()
                      ? fmt::format("{}:{}: {}\n", file, p.line, p.message)
                      : fmt::format("{}:{}: column {}: {}\n", file, p.line, p.column, p.message));
  }
  Fail(fmt::format("{}: {} problem{}; nothing imported", file, problems.size(),
                   problems.size() == 1 ? "" : "s"));
}

void ImportFundWarnings(const FundWarningImportOptions& o) {
  const auto started = std::chrono::steady_clock::now();
  auto text = ReadFile(o.file);
  if (!text) Fail(text.error().message);
  cases::FundWarningCsv csv = cases::ParseFundWarningsCsv(*text);
  if (!csv.problems.empty()) PrintProblems(o.file, csv.problems);

  auto platform = OpenPlatform(o.data_dir);
  if (!platform) Fail(platform.error().message);
  engine::Engine& engine = *(*platform)->engine;
  // The address rule needs the base map's streets and places, when there is one.
  std::optional<roads::RoadGraph> graph;
  std::unique_ptr<map::AddressIndex> addresses;
  const std::string graph_path = o.data_dir + "/" + std::string(roads::kRoadGraphFile);
  if (std::filesystem::exists(graph_path)) {
    auto loaded = roads::GraphFile::Load(graph_path);
    if (!loaded) Fail(loaded.error().message);
    graph = std::move(*loaded);
    auto places = map::LoadPlaces(o.data_dir + "/" + std::string(map::kPlacesFile));
    addresses =
        std::make_unique<map::AddressIndex>(*graph, places ? *places : std::vector<map::Place>{});
  } else {
    spdlog::warn("no road network in {}: warnings are not routed by address", o.data_dir);
  }

  api::FundWarningLookups lookups(engine, addresses.get());
  const cases::RoutingLookups rules = lookups.Get();
  std::vector<cases::FundWarningRoute> routes;
  std::vector<cases::CsvProblem> problems;
  for (std::size_t k = 0; k < csv.warnings.size(); ++k) {
    auto route = cases::RouteFundWarning(csv.warnings[k], rules);
    if (!route) {
      problems.push_back({csv.lines[k], route.error().field, route.error().message});
    } else {
      routes.push_back(std::move(*route));
    }
  }
  if (!problems.empty()) PrintProblems(o.file, problems);

  // One command: every row is stored, or none is (only the ledger can fail now).
  CreateCases command;
  for (std::size_t k = 0; k < csv.warnings.size(); ++k)
    command.cases.push_back(api::FundWarningCommand(csv.warnings[k], routes[k]));
  Result<CommandOutcome> stored_all = engine.Execute(Command{"import", std::move(command)});
  engine.Stop();
  if (!stored_all) {
    Fail(fmt::format("{}: nothing imported: {}", o.file, stored_all.error().message));
  }
  const std::size_t stored = routes.size();
  std::map<std::string, std::size_t> by_rule;
  for (const cases::FundWarningRoute& r : routes) ++by_rule[std::string(ToString(r.routed_by))];
  std::vector<std::string> counts;
  for (const auto& [rule, n] : by_rule) counts.push_back(fmt::format("{} {}", n, rule));
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
  std::cout << fmt::format("imported {} fund warnings from {} into {}: routed by {}; {} ms", stored,
                           o.file, o.data_dir, fmt::join(counts, ", "), ms)
            << std::endl;
}

}  // namespace

void RegisterImportFundWarningsCommand(CLI::App& app) {
  CLI::App* import = app.get_subcommand("import");
  auto options = std::make_shared<FundWarningImportOptions>();
  CLI::App* cmd = import->add_subcommand(
      "fund-warnings",
      "Import fund warnings (资金预警) from a UTF-8 CSV into DIR's ledger as fund_warning cases: "
      "columns victim_phone, victim_name, fraud_type, amount_at_risk (yuan), source, and "
      "optionally address, lon, lat, station_id (docs/cases.md). Each is routed to a station by "
      "station_id, lon/lat, address, or the victim phone's latest incident. All rows or none: "
      "every problem is reported as FILE:LINE with its column. Run while the server is stopped.");
  cmd->add_option("file", options->file, "the CSV file")->required();
  cmd->add_option("--data-dir", options->data_dir, "data directory")->capture_default_str();
  cmd->callback([options] { ImportFundWarnings(*options); });
}

}  // namespace pingan::cli
