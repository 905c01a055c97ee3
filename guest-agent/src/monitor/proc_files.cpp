#include "monitor/proc_files.h"

#include <cerrno>

namespace fuselab::agent {

std::string_view read_small_file(const char* path, char* buf, std::size_t size) {
  UniqueFd fd(open(path, O_RDONLY | O_CLOEXEC));
  if (!fd || size == 0) return {};
  std::size_t done = 0;
  while (done < size) {
    ssize_t n = read(fd.get(), buf + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  return {buf, done};
}

long long parse_number(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n')) ++i;
  bool negative = i < text.size() && text[i] == '-';
  if (negative) ++i;
  if (i >= text.size() || text[i] < '0' || text[i] > '9') return -1;
  long long v = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) v = v * 10 + (text[i] - '0');
  return negative ? -v : v;
}

}  // namespace fuselab::agent
