// The platform's PositionSink: finds the unit a terminal is bound to (POST /api/devices),
// converts GCJ-02 to WGS84 where the binding says so, and hands the fixes to the position
// service (durable tracks, then the live index).
#pragma once

#include "engine/engine.h"
#include "engine/position_service.h"
#include "ingest/position_sink.h"

namespace pingan::ingest {

class DeviceSink final : public PositionSink {
 public:
  // Both must outlive the sink.
  DeviceSink(engine::Engine& engine, engine::PositionService& positions);

  bool IsKnownDevice(Protocol protocol, const std::string& identifier) override;
  // Fixes without a satellite fix (JT/T 808 status bit 1 clear) are acknowledged but not
  // stored: a terminal reports its last good position then, which would look like a stop.
  void Submit(Protocol protocol, std::string identifier, std::vector<DeviceFix> fixes,
              std::function<void(SinkResult)> done) override;

  // The binding key of a terminal: protocol name and identifier, JT/T 808 phone numbers
  // without their zero padding.
  static std::string Key(Protocol protocol, const std::string& identifier);

 private:
  std::optional<DeviceRoute> Find(Protocol protocol, const std::string& identifier);

  engine::Engine& engine_;
  engine::PositionService& positions_;
};

}  // namespace pingan::ingest
