// An event: one fact in the ledger. Current state is what applying all of them in order gives.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/domain.h"

namespace pingan {

struct Event {
  Sequence seq = 0;    // assigned by the engine, contiguous from 1
  TimePoint time;      // when the engine accepted it
  std::string actor;   // username, or "system"
  std::string type;    // "incident.received", "unit.status_changed", ...
  std::string stream;  // what it concerns: "incident/42", "unit/7", "user/li", "jurisdiction/..."
  nlohmann::json data;
};

}  // namespace pingan
