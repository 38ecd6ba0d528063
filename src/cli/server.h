// The platform as one process: ledger and engine, GPS tracks, roads and dispatch, the base map,
// the HTTP API with its live feed and the console, GPS terminal listeners. `pingan serve` runs
// it as it is; `pingan demo` runs it with a simulated district beside it.
#pragma once

#include <functional>
#include <string>

#include "cli/platform.h"
#include "dispatch/recommender.h"
#include "engine/position_service.h"

namespace pingan::sms {
class SmsGateway;
}  // namespace pingan::sms

namespace pingan::cli {

struct ServeOptions {
  std::string data_dir = "var";
  std::string listen = "127.0.0.1:8080";
  int threads = 2;
  std::string sla_config;
  std::string dispatch_rules;
  std::string jt808_listen;     // HOST:PORT, empty = off
  std::string osmand_listen;    // HOST:PORT, empty = off
  std::string web_root;         // the built console; empty = the source tree's web/dist
  std::string map_attribution;  // empty: OpenStreetMap's
  // Callbacks (回访): how long after an incident closes the SMS goes out (0: at once).
  std::chrono::seconds callback_delay = kDefaultCallbackDelay;
  // JSON file configuring the HTTP SMS gateway (sms/http_gateway.h); empty: the simulator.
  std::string sms_gateway_config;
  // When set, POST /api/sms/inbound needs it in the header X-Pingan-Sms-Token.
  std::string sms_inbound_token;
  // The address citizens reach the public pages at, for links in texts; empty: the listen URL.
  std::string public_url;
};

// What code running beside the server may use while it runs.
struct RunningServer {
  Platform& platform;
  engine::PositionService& positions;
  dispatch::Recommender* recommender;  // null without a road network
  sms::SmsGateway& sms;
  std::string url;  // http://HOST:PORT
};

struct ServerHooks {
  // After the ledger is open, before anything listens (e.g. creating the demo user).
  std::function<void(Platform&)> on_opened;
  // Once listening; the server is up until on_stopping.
  std::function<void(RunningServer&)> on_started;
  // First thing on shutdown (SIGINT/SIGTERM), while everything still runs.
  std::function<void()> on_stopping;
  // Printed after the "listening on" line; "{url}" becomes http://HOST:PORT as bound.
  std::string banner;
};

// Runs until SIGINT or SIGTERM. Fails the command (Fail) on a start-up error.
void RunServer(const ServeOptions& options, const ServerHooks& hooks = {});

}  // namespace pingan::cli
