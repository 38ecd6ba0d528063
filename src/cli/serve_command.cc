// pingan serve: the platform on one port, with the ledger in --data-dir.
#include "cli/commands.h"
#include "cli/server.h"

namespace pingan::cli {

namespace {

void AddCaseOptions(CLI::App& cmd, ServeOptions& options) {
  cmd.add_option_function<long long>(
         "--callback-delay",
         [&options](long long s) { options.callback_delay = std::chrono::seconds(s); },
         "Seconds after an incident closes that the callback SMS goes out (0: at once; "
         "default 1800). Texts falling due 22:00-08:00 wait for the morning, unless 0")
      ->check(CLI::Range(0LL, 30LL * 86400));
  cmd.add_option("--sms-gateway", options.sms_gateway_config,
                 "JSON file configuring a provider's HTTP SMS API (url, body_template, "
                 "sign_name, secret, ...); default: the built-in simulator, whose outbox is "
                 "GET /api/sms/outbox")
      ->check(CLI::ExistingFile);
  cmd.add_option("--sms-inbound-token", options.sms_inbound_token,
                 "Secret the SMS gateway sends as X-Pingan-Sms-Token when it delivers replies to "
                 "POST /api/sms/inbound (default: none needed)");
  cmd.add_option("--public-url", options.public_url,
                 "Address citizens reach this server at, for links in texts (default: the "
                 "--listen address)");
}

}  // namespace

void RegisterServeCommand(CLI::App& app) {
  auto options = std::make_shared<ServeOptions>();
  CLI::App* cmd = app.add_subcommand(
      "serve",
      "Run the platform: HTTP API, live feed and console on one port.\n"
      "The ledger (SQLite) lives in --data-dir; it is created on first start, with a user "
      "'admin' whose password is written to DIR/initial-admin-password.");
  cmd->add_option("--data-dir", options->data_dir, "Where the ledger is kept")
      ->capture_default_str();
  cmd->add_option("--listen", options->listen, "HOST:PORT to listen on (port 0: any free port)")
      ->capture_default_str();
  cmd->add_option("--threads", options->threads, "Network threads")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  cmd->add_option("--sla-config", options->sla_config,
                  "JSON file overriding SLA deadlines, e.g. {\"incident\": {\"dispatch\": "
                  "{\"by_priority_s\": [60, 180, 600, 1800]}}}")
      ->check(CLI::ExistingFile);
  cmd->add_option("--dispatch-rules", options->dispatch_rules,
                  "JSON file of dispatch rules (see GET /api/dispatch/rules for the defaults)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--jt808-listen", options->jt808_listen,
                  "HOST:PORT for JT/T 808 GPS terminals over TCP (off when not given)");
  cmd->add_option("--osmand-listen", options->osmand_listen,
                  "HOST:PORT for the OsmAnd protocol over HTTP (Traccar Client app)");
  cmd->add_option("--web-root", options->web_root,
                  "Directory of the built console (default: web/dist of the source tree)");
  AddCaseOptions(*cmd, *options);
  cmd->callback([options] { RunServer(*options); });
}

}  // namespace pingan::cli
