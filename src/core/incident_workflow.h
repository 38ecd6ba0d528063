// The 警情 (incident) case kind declared as data: its states, transitions and SLAs, and the
// category taxonomy of MISSION C1.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/workflow.h"

namespace pingan {

// 接警 received → 派警 dispatched → 到场 on_scene → 处置 handling → 结案 closed; cancelled for
// calls that need no action (duplicate, false alarm, resolved by phone). Dispatch and arrival
// SLAs by priority: 60 s / 5 min for priority 1 by default.
WorkflowDefinition IncidentWorkflow();

struct IncidentSubtype {
  std::string code;   // "theft"
  std::string label;  // "盗窃"
};

struct IncidentCategory {
  std::string code;   // "criminal"
  std::string label;  // "刑事"
  std::vector<IncidentSubtype> subtypes;
};

// 刑事 criminal, 治安 public_order, 交通 traffic, 火灾 fire, 求助 help, 纠纷 dispute,
// 举报 tip_off, 其他 other, each with sub-types.
const std::vector<IncidentCategory>& IncidentCategories();
const IncidentCategory* FindIncidentCategory(std::string_view code);

// Intake channels: phone_110, walk_in, online, sensor_alarm, citizen_request (接诉即办).
const std::vector<std::string>& IncidentChannels();

}  // namespace pingan
