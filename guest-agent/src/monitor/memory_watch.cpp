#include "monitor/memory_watch.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "util/error.h"

namespace fuselab::agent {
namespace {

// The number after "key=" in `line`, as text.
std::string_view field(std::string_view line, std::string_view key) {
  for (std::size_t at = line.find(key); at != line.npos; at = line.find(key, at + 1)) {
    bool starts_word = at == 0 || line[at - 1] == ' ';
    if (!starts_word || at + key.size() >= line.size() || line[at + key.size()] != '=') continue;
    std::string_view rest = line.substr(at + key.size() + 1);
    return rest.substr(0, rest.find(' '));
  }
  return {};
}

// Decimal "12.34" without strtod's locale; false on anything else.
bool parse_decimal(std::string_view text, double& out) {
  if (text.empty() || text.size() > 24) return false;
  double v = 0, scale = 0;
  for (char c : text) {
    if (c == '.' && scale == 0) {
      scale = 1;
    } else if (c >= '0' && c <= '9') {
      v = v * 10 + (c - '0');
      if (scale != 0) scale *= 10;
    } else {
      return false;
    }
  }
  out = scale != 0 ? v / scale : v;
  return true;
}

bool parse_u64(std::string_view text, std::uint64_t& out) {
  if (text.empty() || text.size() > 19) return false;
  std::uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  out = v;
  return true;
}

}  // namespace

bool parse_psi(std::string_view text, PsiSample& out) {
  out = PsiSample{};
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == text.npos ? std::string_view() : text.substr(nl + 1);
    PsiLine* target = line.starts_with("some ")   ? &out.some
                      : line.starts_with("full ") ? &out.full
                                                  : nullptr;
    if (target == nullptr) continue;
    PsiLine parsed;
    if (!parse_decimal(field(line, "avg10"), parsed.avg10) ||
        !parse_u64(field(line, "total"), parsed.total_us))
      continue;
    parsed.seen = true;
    *target = parsed;
  }
  return out.some.seen || out.full.seen;
}

long long keyed_value(std::string_view text, std::string_view key) {
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == text.npos ? std::string_view() : text.substr(nl + 1);
    if (line.size() > key.size() && line.starts_with(key) && line[key.size()] == ' ') {
      std::uint64_t v = 0;
      if (parse_u64(line.substr(key.size() + 1), v)) return static_cast<long long>(v);
    }
  }
  return -1;
}

MemoryWatch::MemoryWatch(const std::string& group_dir, bool v2) {
  auto open_file = [](UniqueFd& fd, std::string& path, std::string& absent) {
    fd.reset(open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) absent = errno_text(path, errno);
  };
  system_psi_.path = "/proc/pressure/memory";
  open_file(system_psi_.fd, system_psi_.path, system_psi_.absent);
  if (!system_psi_.fd && errno == ENOENT) system_psi_.absent = "kernel without PSI (CONFIG_PSI)";
  if (group_dir.empty()) {
    group_psi_.absent = "no tested memcg in this cell";
  } else if (!v2) {
    group_psi_.absent = "cgroup v1 has no memory.pressure";
  } else {
    group_psi_.path = group_dir + "/memory.pressure";
    open_file(group_psi_.fd, group_psi_.path, group_psi_.absent);
  }
  system_oom_.path = "/proc/vmstat";
  system_oom_.key = "oom_kill";
  open_file(system_oom_.fd, system_oom_.path, system_oom_.absent);
  if (group_dir.empty()) {
    group_oom_.absent = "no tested memcg in this cell";
  } else {
    group_oom_.path = group_dir + (v2 ? "/memory.events" : "/memory.oom_control");
    group_oom_.key = "oom_kill";
    open_file(group_oom_.fd, group_oom_.path, group_oom_.absent);
  }
  group_dir_ = group_dir;
  if (!group_dir.empty()) {
    const char* v2_names[] = {"memory.current", "memory.max", "memory.events", "memory.stat"};
    const char* v1_names[] = {"memory.usage_in_bytes", "memory.limit_in_bytes",
                              "memory.oom_control", "memory.stat"};
    for (std::size_t i = 0; i < std::size(memcg_state_); ++i) {
      memcg_state_[i].name = v2 ? v2_names[i] : v1_names[i];
      std::string path = group_dir + "/" + memcg_state_[i].name;
      memcg_state_[i].fd = UniqueFd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
    }
  }
  sample();
  for (Psi* p : {&system_psi_, &group_psi_}) {
    p->first = p->last;
    p->some_avg10_max = p->full_avg10_max = 0;
    p->samples = 0;
  }
  for (Counter* c : {&group_oom_, &system_oom_}) c->first = c->last;
}

std::string_view MemoryWatch::pread_all(int fd) {
  std::size_t done = 0;
  while (done < sizeof(buf_) - 1) {
    ssize_t n = pread(fd, buf_ + done, sizeof(buf_) - 1 - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  return {buf_, done};
}

void MemoryWatch::sample_psi(Psi& p) {
  if (!p.fd) return;
  PsiSample s;
  if (!parse_psi(pread_all(p.fd.get()), s)) return;
  p.last = s;
  p.some_avg10_max = std::max(p.some_avg10_max, s.some.avg10);
  p.full_avg10_max = std::max(p.full_avg10_max, s.full.avg10);
  ++p.samples;
}

void MemoryWatch::sample_counter(Counter& c) {
  if (!c.fd) return;
  long long v = keyed_value(pread_all(c.fd.get()), c.key);
  if (v >= 0) c.last = v;  // no line (a kernel before 4.13): stays -1, reported at the end
}

void MemoryWatch::sample() {
  sample_psi(system_psi_);
  sample_psi(group_psi_);
  sample_counter(group_oom_);
  sample_counter(system_oom_);
}

std::uint64_t MemoryWatch::oom_kills() const {
  const Counter& c = group_oom_.last >= 0 ? group_oom_ : system_oom_;
  return c.last >= 0 && c.first >= 0 && c.last > c.first
             ? static_cast<std::uint64_t>(c.last - c.first)
             : 0;
}

nlohmann::json MemoryWatch::psi_json(const Psi& p) {
  if (!p.fd || p.samples == 0)
    return {{"path", p.path},
            {"absent", p.absent.empty() ? std::string("no PSI figures read") : p.absent}};
  auto delta = [](const PsiLine& a, const PsiLine& b) {
    return b.total_us >= a.total_us ? b.total_us - a.total_us : 0;
  };
  return {{"path", p.path},
          {"samples", p.samples},
          {"some_avg10_max", p.some_avg10_max},
          {"full_avg10_max", p.full_avg10_max},
          {"some_stall_us", delta(p.first.some, p.last.some)},
          {"full_stall_us", delta(p.first.full, p.last.full)}};
}

nlohmann::json MemoryWatch::psi_report() const {
  return {{"system", psi_json(system_psi_)}, {"group", psi_json(group_psi_)}};
}

nlohmann::json MemoryWatch::oom_report() const {
  auto counter = [](const Counter& c) -> nlohmann::json {
    if (c.last < 0 || c.first < 0) return nullptr;
    return c.last - c.first;
  };
  nlohmann::json j = {{"group_oom_kills", counter(group_oom_)},
                      {"system_oom_kills", counter(system_oom_)},
                      {"group_source", group_oom_.path}};
  if (group_oom_.last < 0)
    j["group_absent"] =
        !group_oom_.absent.empty() ? group_oom_.absent : "no oom_kill line in " + group_oom_.path;
  return j;
}

}  // namespace fuselab::agent
