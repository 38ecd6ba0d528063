// pingan user add: create a login. The password is read from standard input, never argv.
#include <iostream>

#include <fmt/format.h>

#include "api/auth.h"
#include "cli/commands.h"
#include "cli/platform.h"

namespace pingan::cli {

namespace {

struct UserAddOptions {
  std::string data_dir = "var";
  std::string username;
  std::string role;
  std::string display_name;
  std::string station_id;
};

void AddUserCommand(const UserAddOptions& options) {
  auto role = ParseRole(options.role);
  if (!role) {
    Fail(fmt::format("--role {}: expected dispatcher, officer, station_chief, leader or admin",
                     options.role));
  }
  std::string password;
  if (!std::getline(std::cin, password)) Fail("no password on standard input");
  while (!password.empty() && (password.back() == '\r' || password.back() == '\n')) {
    password.pop_back();
  }
  if (Status s = api::CheckPasswordStrength(password); !s) Fail(s.error().message);
  api::InitCrypto();
  auto hash = api::HashPassword(password);
  if (!hash) Fail(hash.error().message);
  auto platform = OpenPlatform(options.data_dir);
  if (!platform) Fail(platform.error().message);
  User user{options.username, *role, options.display_name, options.station_id, *hash, {}};
  auto result = (*platform)->engine->Execute(Command{"cli", AddUser{user}});
  if (!result) Fail(result.error().message);
  (*platform)->engine->Stop();
  std::cout << fmt::format("added user {} ({})", options.username, options.role) << std::endl;
}

}  // namespace

void RegisterUserCommand(CLI::App& app) {
  CLI::App* user = app.add_subcommand("user", "Manage logins");
  user->require_subcommand(1);
  auto options = std::make_shared<UserAddOptions>();
  CLI::App* add = user->add_subcommand(
      "add",
      "Add a user. The password (8+ characters) is read from standard input:\n"
      "  echo 'secret-pass' | pingan user add --username li --role dispatcher");
  add->add_option("--data-dir", options->data_dir, "Data directory")->capture_default_str();
  add->add_option("--username", options->username, "Login name")->required();
  add->add_option("--role", options->role, "dispatcher, officer, station_chief, leader or admin")
      ->required();
  add->add_option("--display-name", options->display_name, "Name shown in the console");
  add->add_option("--station", options->station_id, "Station id the user belongs to");
  add->callback([options] { AddUserCommand(*options); });
}

}  // namespace pingan::cli
