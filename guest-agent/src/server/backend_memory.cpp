// The memory backend: file data in the server's anonymous memory, in 64 KiB chunks allocated on
// first write. The server's memcg is charged for every byte written, like a caching server.
#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <new>
#include <unordered_map>

#include "server/backend.h"

namespace fuselab::agent {
namespace {

constexpr std::uint64_t kChunk = 64UL * 1024;

class MemoryBackend final : public Backend {
 public:
  long write(fuse_ino_t ino, off_t off, fuse_bufvec& data) override {
    const std::uint64_t size = fuse_buf_size(&data);
    std::uint64_t pos = static_cast<std::uint64_t>(off);
    std::uint64_t done = 0;
    std::lock_guard lock(mutex_);
    try {
      Chunks& chunks = files_[ino];
      while (done < size) {
        std::uint64_t index = (pos + done) / kChunk;
        std::uint64_t within = (pos + done) % kChunk;
        std::uint64_t n = std::min(kChunk - within, size - done);
        char* chunk = chunk_at(chunks, index);
        fuse_bufvec dst = one_buffer(n);
        dst.buf[0].mem = chunk + within;
        ssize_t copied = fuse_buf_copy(&dst, &data, static_cast<fuse_buf_copy_flags>(0));
        if (copied < 0) return static_cast<long>(copied);
        if (copied == 0) break;  // the payload was shorter than announced
        done += static_cast<std::uint64_t>(copied);
      }
    } catch (const std::bad_alloc&) {
      return -ENOMEM;
    }
    return static_cast<long>(done);
  }

  ReadData read(fuse_ino_t ino, off_t off, std::size_t size) override {
    ReadData out;
    out.owned.reset(new (std::nothrow) char[size]);
    if (!out.owned) return ReadData{ENOMEM, nullptr, 0, nullptr};
    std::memset(out.owned.get(), 0, size);  // holes read as zeros
    std::lock_guard lock(mutex_);
    auto file = files_.find(ino);
    if (file != files_.end()) {
      std::uint64_t pos = static_cast<std::uint64_t>(off);
      for (std::uint64_t done = 0; done < size;) {
        std::uint64_t index = (pos + done) / kChunk;
        std::uint64_t within = (pos + done) % kChunk;
        std::uint64_t n = std::min<std::uint64_t>(kChunk - within, size - done);
        auto chunk = file->second.find(index);
        if (chunk != file->second.end())
          std::memcpy(out.owned.get() + done, chunk->second.get() + within, n);
        done += n;
      }
    }
    out.data = out.owned.get();
    out.size = size;
    return out;
  }

  int truncate(fuse_ino_t ino, std::uint64_t size) override {
    std::lock_guard lock(mutex_);
    auto file = files_.find(ino);
    if (file == files_.end()) return 0;
    Chunks& chunks = file->second;
    chunks.erase(chunks.lower_bound((size + kChunk - 1) / kChunk), chunks.end());
    // The tail of the last kept chunk must read as zeros if the file grows again.
    if (size % kChunk != 0) {
      auto last = chunks.find(size / kChunk);
      if (last != chunks.end())
        std::memset(last->second.get() + size % kChunk, 0, kChunk - size % kChunk);
    }
    return 0;
  }

  int fsync(fuse_ino_t) override { return 0; }

  void forget(fuse_ino_t ino) override {
    std::lock_guard lock(mutex_);
    files_.erase(ino);
  }

 private:
  using Chunks = std::map<std::uint64_t, std::unique_ptr<char[]>>;

  // Throws std::bad_alloc.
  static char* chunk_at(Chunks& chunks, std::uint64_t index) {
    auto& chunk = chunks[index];
    if (!chunk) chunk.reset(new char[kChunk]());
    return chunk.get();
  }

  // Protects files_. Held while copying a payload into a chunk (the copy may fault and enter
  // reclaim: other writers then wait here, as they would behind a real server's cache lock).
  std::mutex mutex_;
  std::unordered_map<fuse_ino_t, Chunks> files_;
};

}  // namespace

std::unique_ptr<Backend> make_memory_backend(const ServerSpec&) {
  return std::make_unique<MemoryBackend>();
}

}  // namespace fuselab::agent
