// An object in anonymous shared memory, created before fork() so that the agent (monitor) and its
// children (FUSE server, writer) see the same counters. Only lock-free atomics and plain data may
// live in it: a mutex would not survive a child killed while holding it.
#pragma once

#include <sys/mman.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <new>
#include <string_view>
#include <type_traits>

#include "util/error.h"

namespace fuselab::agent {

static_assert(std::atomic<std::uint64_t>::is_always_lock_free);

template <typename T>
class SharedObject {
 public:
  SharedObject() {
    void* p = mmap(nullptr, sizeof(T), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw_errno("agent", "mmap shared memory");
    object_ = new (p) T();
  }
  SharedObject(const SharedObject&) = delete;
  SharedObject& operator=(const SharedObject&) = delete;
  ~SharedObject() {
    object_->~T();
    munmap(object_, sizeof(T));
  }

  T& operator*() const { return *object_; }
  T* operator->() const { return object_; }

 private:
  T* object_ = nullptr;
};

// A fixed-size, NUL-terminated message slot in shared memory (a child's error detail).
template <std::size_t N>
struct SharedText {
  char text[N] = {};
  void set(std::string_view s) {
    std::size_t n = s.size() < N - 1 ? s.size() : N - 1;
    std::memcpy(text, s.data(), n);
    text[n] = '\0';
  }
  std::string_view get() const { return text; }
};

}  // namespace fuselab::agent
