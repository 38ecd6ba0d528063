// Subcommands of the pingan binary, one file each. Each registers itself on the CLI11 app; its
// callback throws CLI::RuntimeError(code) to fail with a message already printed.
#pragma once

#include <CLI/CLI.hpp>

namespace pingan::cli {

void RegisterServeCommand(CLI::App& app);
void RegisterImportCommand(CLI::App& app);
void RegisterUserCommand(CLI::App& app);
void RegisterDispatchCommand(CLI::App& app);
void RegisterBenchCommand(CLI::App& app);

// Prints "pingan: MESSAGE" to stderr and fails the command.
[[noreturn]] void Fail(const std::string& message);

}  // namespace pingan::cli
