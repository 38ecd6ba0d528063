#include "core/incident_workflow.h"

#include <algorithm>

namespace pingan {

using std::chrono::seconds;

WorkflowDefinition IncidentWorkflow() {
  const std::vector<std::string> open = {"received", "dispatched", "on_scene", "handling"};
  const std::vector<std::string> assigned = {"dispatched", "on_scene", "handling"};
  return WorkflowDefinition{
      .kind = "incident",
      .initial = "received",
      .states = {{"received", false},
                 {"dispatched", false},
                 {"on_scene", false},
                 {"handling", false},
                 {"closed", true},
                 {"cancelled", true}},
      .transitions =
          {
              {"dispatch", {"received"}, "dispatched", {"unit_id"}},
              {"dispatch", assigned, "", {"unit_id"}},  // more units join; state stays
              {"en_route", assigned, "", {"unit_id"}},
              {"arrive", {"dispatched"}, "on_scene", {"unit_id"}},
              {"arrive", {"on_scene", "handling"}, "", {"unit_id"}},
              {"clear", assigned, "", {"unit_id"}},
              {"handle", {"on_scene"}, "handling", {}},
              {"close", {"on_scene", "handling"}, "closed", {"disposition"}},
              {"cancel", {"received", "dispatched"}, "cancelled", {"disposition"}},
              {"reopen", {"closed", "cancelled"}, "received", {"note"}},
              {"transfer", open, "", {"station_id"}},
              {"note",
               {"received", "dispatched", "on_scene", "handling", "closed", "cancelled"},
               "",
               {"note"}},
          },
      .slas =
          {
              {.name = "dispatch",
               .met_in = {"dispatched", "on_scene", "handling", "closed"},
               .by_priority = {seconds(60), seconds(180), seconds(600), seconds(1800)},
               .escalation = {{seconds(0), "duty_chief"}, {seconds(120), "command_centre"}}},
              {.name = "arrival",
               .met_in = {"on_scene", "handling", "closed"},
               .by_priority = {seconds(300), seconds(900), seconds(1800), seconds(3600)},
               .escalation = {{seconds(0), "duty_chief"}, {seconds(300), "command_centre"}}},
          },
  };
}

const std::vector<IncidentCategory>& IncidentCategories() {
  static const std::vector<IncidentCategory> kCategories = {
      {"criminal",
       "刑事",
       {{"theft", "盗窃"},
        {"burglary", "入室盗窃"},
        {"robbery", "抢劫抢夺"},
        {"fraud", "诈骗"},
        {"assault", "故意伤害"},
        {"homicide", "命案"},
        {"other", "其他刑事"}}},
      {"public_order",
       "治安",
       {{"fight", "打架斗殴"},
        {"gambling", "赌博"},
        {"noise", "噪音扰民"},
        {"drunk", "醉酒滋事"},
        {"harassment", "寻衅滋事"},
        {"other", "其他治安"}}},
      {"traffic",
       "交通",
       {{"accident", "交通事故"},
        {"congestion", "交通堵塞"},
        {"drunk_driving", "酒驾醉驾"},
        {"illegal_parking", "违法停车"},
        {"other", "其他交通"}}},
      {"fire", "火灾", {{"building", "建筑火灾"}, {"vehicle", "车辆火灾"}, {"other", "其他火灾"}}},
      {"help",
       "求助",
       {{"lost_person", "人员走失"},
        {"lost_property", "物品遗失"},
        {"medical", "急病求助"},
        {"locked_out", "被困求助"},
        {"escort", "护送"},
        {"other", "其他求助"}}},
      {"dispute",
       "纠纷",
       {{"neighbour", "邻里纠纷"},
        {"family", "家庭纠纷"},
        {"labour", "劳资纠纷"},
        {"consumer", "消费纠纷"},
        {"other", "其他纠纷"}}},
      {"tip_off",
       "举报",
       {{"drugs", "涉毒"},
        {"gambling", "涉赌"},
        {"vice", "涉黄"},
        {"fraud", "涉诈"},
        {"other", "其他举报"}}},
      {"other", "其他", {{"other", "其他"}}},
  };
  return kCategories;
}

const IncidentCategory* FindIncidentCategory(std::string_view code) {
  const auto& all = IncidentCategories();
  auto it = std::find_if(all.begin(), all.end(), [&](const auto& c) { return c.code == code; });
  return it == all.end() ? nullptr : &*it;
}

const std::vector<std::string>& IncidentChannels() {
  static const std::vector<std::string> kChannels = {"phone_110", "walk_in", "online",
                                                     "sensor_alarm", "citizen_request"};
  return kChannels;
}

}  // namespace pingan
