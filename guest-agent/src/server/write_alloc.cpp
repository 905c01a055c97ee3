#include "server/write_alloc.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>

namespace fuselab::agent {
namespace {

// One write per page is enough to fault it in (and charge it).
void touch(char* p, std::uint64_t size) {
  static const std::uint64_t page = static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
  for (std::uint64_t off = 0; off < size; off += page) static_cast<volatile char*>(p)[off] = 1;
}

}  // namespace

std::uint64_t WriteAllocator::run() const {
  if (bytes_ == 0) return 0;
  if (use_mmap_) {
    void* p = mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return 0;
    touch(static_cast<char*>(p), bytes_);
    munmap(p, bytes_);
    return bytes_;
  }
  char* p = static_cast<char*>(std::malloc(bytes_));
  if (p == nullptr) return 0;
  touch(p, bytes_);
  std::free(p);
  return bytes_;
}

}  // namespace fuselab::agent
