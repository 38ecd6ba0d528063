// pingan: the district police operations platform. main only parses arguments and runs a
// subcommand (src/cli/*_command.cc).
#include <iostream>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "cli/commands.h"

namespace pingan::cli {

void Fail(const std::string& message) {
  std::cerr << "pingan: " << message << "\n";
  throw CLI::RuntimeError(1);
}

}  // namespace pingan::cli

int main(int argc, char** argv) {
  // Logs go to stderr so stdout carries only what a command prints for its caller.
  spdlog::set_default_logger(spdlog::stderr_color_mt("pingan"));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");

  CLI::App app{
      "Pingan 平安 — district police operations platform: 110 intake and dispatch, live "
      "command map, patrol planning, case workflows.\n"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "pingan 0.1.0");
  pingan::cli::RegisterServeCommand(app);
  pingan::cli::RegisterImportCommand(app);
  pingan::cli::RegisterImportPlacesCommand(app);
  pingan::cli::RegisterImportFundWarningsCommand(app);
  pingan::cli::RegisterUserCommand(app);
  pingan::cli::RegisterDispatchCommand(app);
  pingan::cli::RegisterBenchCommand(app);
  pingan::cli::RegisterDemoCommand(app);
  pingan::cli::RegisterHotspotsCommand(app);
  pingan::cli::RegisterSimulateCommand(app);
  pingan::cli::RegisterVisibilityCommand(app);
  pingan::cli::RegisterApiKeyCommand(app);
  CLI11_PARSE(app, argc, argv);
  return 0;
}
