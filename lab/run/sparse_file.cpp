#include "run/sparse_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "common/error.h"
#include "common/unique_fd.h"

namespace fuselab {

std::uint64_t disk_usage(const std::filesystem::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return 0;
  return static_cast<std::uint64_t>(st.st_blocks) * 512;
}

namespace {

constexpr std::size_t kBlock = 4096;
constexpr std::size_t kChunk = 1 << 20;

bool all_zero(const char* p, std::size_t n) {
  return p[0] == 0 && std::memcmp(p, p + 1, n - 1) == 0;
}

}  // namespace

std::uint64_t punch_zero_blocks(const std::filesystem::path& file) {
  UniqueFd fd(::open(file.c_str(), O_RDWR | O_CLOEXEC));
  if (!fd) throw InfraError("cannot open " + file.string() + ": " + std::strerror(errno));
  std::vector<char> buf(kChunk);
  std::uint64_t freed = 0;
  // A run of zero blocks is punched in one call when it ends, so a GiB of zeros costs few calls.
  off_t hole_start = -1;
  auto punch = [&](off_t end) {
    if (hole_start < 0) return true;
    const off_t start = hole_start, length = end - hole_start;
    hole_start = -1;
    if (::fallocate(fd.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, start, length) != 0)
      return false;  // EOPNOTSUPP and the like: the file stays whole, which is only larger
    freed += static_cast<std::uint64_t>(length);
    return true;
  };
  // Only the file's data is read: holes (of an earlier pass, or QEMU's own) are skipped.
  off_t offset = 0;
  while (true) {
    const off_t data = ::lseek(fd.get(), offset, SEEK_DATA);
    if (data < 0) break;  // ENXIO: no data after offset
    const off_t data_end = ::lseek(fd.get(), data, SEEK_HOLE);
    if (data_end < 0)
      throw InfraError("cannot read " + file.string() + ": " + std::strerror(errno));
    offset = data;
    while (offset < data_end) {
      const auto want = static_cast<std::size_t>(std::min<off_t>(kChunk, data_end - offset));
      ssize_t n = ::pread(fd.get(), buf.data(), want, offset);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw InfraError("cannot read " + file.string() + ": " + std::strerror(errno));
      if (n == 0) break;
      const auto got = static_cast<std::size_t>(n);
      std::size_t at = 0;
      for (; at + kBlock <= got; at += kBlock) {
        const off_t block = offset + static_cast<off_t>(at);
        if (all_zero(buf.data() + at, kBlock)) {
          if (hole_start < 0) hole_start = block;
        } else if (!punch(block)) {
          return freed;
        }
      }
      // A piece shorter than a block (the file's tail) is never punched: it ends the run.
      if (at != got && !punch(offset + static_cast<off_t>(at))) return freed;
      offset += n;
    }
    if (!punch(offset)) return freed;
  }
  return freed;
}

}  // namespace fuselab
