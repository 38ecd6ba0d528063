// pingan apikey add | list | revoke: the Open311 API keys in DIR/apikeys.json (api/api_keys.h).
// Works while the server runs: it reads the file again when it sees a key it does not know.
#include <iostream>

#include <fmt/format.h>

#include "api/api_keys.h"
#include "api/auth.h"
#include "cli/commands.h"
#include "core/time_format.h"

namespace pingan::cli {

namespace {

struct ApiKeyOptions {
  std::string data_dir = "var";
  std::string name;
};

TimePoint Now() {
  return SystemClock().Now();
}

void AddKey(const ApiKeyOptions& options) {
  api::InitCrypto();
  auto key = api::AddApiKey(options.data_dir, options.name, Now());
  if (!key) Fail(key.error().message);
  // Only the key on stdout, so `KEY=$(pingan apikey add ...)` works; the rest to stderr.
  std::cout << *key << std::endl;
  std::cerr << fmt::format(
                   "pingan: api key '{}' added to {}/{}; it is shown only now (the file keeps a "
                   "hash)",
                   options.name, options.data_dir, api::kApiKeysFile)
            << std::endl;
}

void ListKeys(const ApiKeyOptions& options) {
  auto keys = api::ReadApiKeys(options.data_dir);
  if (!keys) Fail(keys.error().message);
  for (const api::ApiKeyEntry& k : *keys) {
    std::cout << fmt::format("{}\t{}\t{}", k.name, FormatIso8601(k.created_at),
                             k.revoked_at ? "revoked " + FormatIso8601(*k.revoked_at) : "live")
              << "\n";
  }
}

void RevokeKey(const ApiKeyOptions& options) {
  if (Status s = api::RevokeApiKey(options.data_dir, options.name, Now()); !s)
    Fail(s.error().message);
  std::cout << fmt::format("revoked api key '{}'", options.name) << std::endl;
}

}  // namespace

void RegisterApiKeyCommand(CLI::App& app) {
  CLI::App* apikey =
      app.add_subcommand("apikey", "Manage Open311 API keys (DIR/apikeys.json; hashes only)");
  apikey->require_subcommand(1);
  auto options = std::make_shared<ApiKeyOptions>();

  CLI::App* add = apikey->add_subcommand(
      "add",
      "Add a key and print it (once):\n  pingan apikey add --data-dir var --name fixmystreet");
  add->add_option("--data-dir", options->data_dir, "Data directory")->capture_default_str();
  add->add_option("--name", options->name, "Who holds the key, e.g. fixmystreet")->required();
  add->callback([options] { AddKey(*options); });

  CLI::App* list = apikey->add_subcommand("list", "List the keys: name, created, live or revoked");
  list->add_option("--data-dir", options->data_dir, "Data directory")->capture_default_str();
  list->callback([options] { ListKeys(*options); });

  CLI::App* revoke = apikey->add_subcommand("revoke", "Revoke the live key with this name");
  revoke->add_option("--data-dir", options->data_dir, "Data directory")->capture_default_str();
  revoke->add_option("--name", options->name, "The key's name")->required();
  revoke->callback([options] { RevokeKey(*options); });
}

}  // namespace pingan::cli
