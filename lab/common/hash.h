// Content hashes that key the artifact cache (kernels, images, initramfs).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace fuselab {

// Incremental SHA-256; hex digest.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  Sha256& update(std::string_view data);
  Sha256& update_file(const std::filesystem::path& file);
  std::string hex();

 private:
  void* ctx_;
};

std::string sha256_hex(std::string_view data);
std::string sha256_file(const std::filesystem::path& file);

}  // namespace fuselab
