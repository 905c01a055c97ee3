// Internals of prepare_initramfs (artifacts.h) exposed for unit tests.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "image/artifacts.h"

namespace fuselab {

// Content of /etc/fuselab/modules: absolute paths in the initramfs, one per line, load order.
std::string initramfs_module_list(const std::string& release,
                                  const std::vector<std::string>& load_order);

// Cache key of an initramfs: everything that ends up in it. `modules` pairs each module's path
// (as in modules.dep, in load order) with the SHA-256 of its file, so a rebuilt kernel with the
// same release string still gets a new initramfs.
std::string initramfs_cache_key(const KernelArtifacts& kernel, const std::string& agent_sha256,
                                const std::vector<std::pair<std::string, std::string>>& modules);

}  // namespace fuselab
