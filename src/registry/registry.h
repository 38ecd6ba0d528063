// The places registry of a data directory: the database (DATA_DIR/registry.db) and the hazard
// photos (DATA_DIR/photos). `pingan serve` opens it once and hands it to the API; `pingan import
// places` opens it while the server is stopped.
#pragma once

#include <memory>
#include <string>

#include "core/result.h"
#include "registry/photo_store.h"
#include "registry/registry_store.h"

namespace pingan::registry {

struct Registry {
  std::unique_ptr<RegistryStore> store;
  std::unique_ptr<PhotoStore> photos;
};

// Opens (creating when missing) DATA_DIR/registry.db and DATA_DIR/photos. Errors as
// RegistryStore::Open and PhotoStore::Open.
Result<std::unique_ptr<Registry>> OpenRegistry(const std::string& data_dir);

}  // namespace pingan::registry
