#include "engine/live_feed.h"

#include <algorithm>

namespace pingan::engine {

int LiveFeed::Subscribe(Listener listener) {
  std::lock_guard lock(mu_);
  int id = next_id_++;
  listeners_.emplace_back(id, std::make_shared<Listener>(std::move(listener)));
  return id;
}

void LiveFeed::Unsubscribe(int id) {
  std::lock_guard lock(mu_);
  std::erase_if(listeners_, [id](const auto& entry) { return entry.first == id; });
}

void LiveFeed::Publish(const LiveDelta& delta) {
  std::vector<std::shared_ptr<Listener>> targets;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, listener] : listeners_) targets.push_back(listener);
  }
  for (const auto& listener : targets) (*listener)(delta);
}

}  // namespace pingan::engine
