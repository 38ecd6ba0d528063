#include "registry/registry.h"

namespace pingan::registry {

Result<std::unique_ptr<Registry>> OpenRegistry(const std::string& data_dir) {
  auto store = RegistryStore::Open(data_dir + "/" + kRegistryFile);
  if (!store) return store.error();
  auto photos = PhotoStore::Open(data_dir + "/" + kPhotoDir);
  if (!photos) return photos.error();
  auto registry = std::make_unique<Registry>();
  registry->store = std::move(*store);
  registry->photos = std::move(*photos);
  return registry;
}

}  // namespace pingan::registry
