#include "run/kdump_flat.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/unique_fd.h"

namespace fs = std::filesystem;

namespace fuselab {
namespace {

constexpr char kSignature[] = "makedumpfile";
constexpr size_t kHeaderSize = 4096;  // MAX_SIZE_MDF_HEADER
constexpr std::int64_t kEnd = -1;     // END_FLAG_FLAT_HEADER, as offset and as size
// QEMU writes a page, a bitmap or a header per record; anything near this is not a record.
constexpr std::int64_t kMaxRecord = 1ll << 30;

std::int64_t be64(const unsigned char* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return static_cast<std::int64_t>(v);
}

}  // namespace

bool is_flattened_kdump(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  char head[sizeof kSignature] = {};
  return in.read(head, sizeof head) && std::memcmp(head, kSignature, sizeof kSignature) == 0;
}

std::uint64_t unflatten_kdump(const fs::path& flat, const fs::path& out) {
  std::ifstream in(flat, std::ios::binary);
  auto bad = [&](std::uint64_t at, const std::string& what) {
    return InfraError(flat.string() + ": not a flattened kdump at byte " + std::to_string(at) +
                      ": " + what);
  };
  std::vector<unsigned char> header(kHeaderSize);
  if (!in.read(reinterpret_cast<char*>(header.data()), kHeaderSize) ||
      std::memcmp(header.data(), kSignature, sizeof kSignature) != 0)
    throw bad(0, "no makedumpfile header");
  // type 1 (TYPE_FLAT_HEADER), version 1, both big-endian after the 16-byte signature.
  if (be64(header.data() + 16) != 1 || be64(header.data() + 24) != 1)
    throw bad(16, "unknown type or version");
  UniqueFd fd(::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd) throw InfraError("cannot create " + out.string() + ": " + std::strerror(errno));
  std::uint64_t at = kHeaderSize, size = 0;
  std::vector<char> buf;
  while (true) {
    unsigned char record[16];
    if (!in.read(reinterpret_cast<char*>(record), sizeof record))
      throw bad(at, "the stream ends without its end record");
    const std::int64_t offset = be64(record), length = be64(record + 8);
    at += sizeof record;
    if (offset == kEnd && length == kEnd) break;
    if (offset < 0 || length < 0 || length > kMaxRecord)
      throw bad(at - sizeof record, "record of " + std::to_string(length) + " bytes at offset " +
                                        std::to_string(offset));
    buf.resize(static_cast<size_t>(length));
    if (!in.read(buf.data(), length)) throw bad(at, "a record's bytes are cut off");
    at += static_cast<std::uint64_t>(length);
    for (std::int64_t done = 0; done < length;) {
      ssize_t n =
          ::pwrite(fd.get(), buf.data() + done, static_cast<size_t>(length - done), offset + done);
      if (n <= 0) throw InfraError("cannot write " + out.string() + ": " + std::strerror(errno));
      done += n;
    }
    size = std::max(size, static_cast<std::uint64_t>(offset + length));
  }
  if (::fsync(fd.get()) != 0)
    throw InfraError("cannot write " + out.string() + ": " + std::strerror(errno));
  return size;
}

}  // namespace fuselab
