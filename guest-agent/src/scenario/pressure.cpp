#include "scenario/pressure.h"

#include <sys/mman.h>
#include <unistd.h>

#include <csignal>
#include <fstream>

#include "util/error.h"

namespace fuselab::agent {
namespace {

constexpr auto kTouchTimeout = std::chrono::seconds(60);

// VmRSS (KiB) of `pid`, 0 if unreadable.
std::uint64_t rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  while (in >> key) {
    if (key == "VmRSS:") {
      std::uint64_t kib = 0;
      in >> kib;
      return kib;
    }
    in.ignore(1 << 16, '\n');
  }
  return 0;
}

// The hog is pressure, not a subject: the OOM killer must never pick it (it is the group's
// largest task, and killing it would lift the very pressure the cell asked for and let the cell
// pass). If the group runs out, a server or writer dies and the cell is reported OOM.
void exempt_from_oom_killer(HogStats& stats) {
  std::ofstream adj("/proc/self/oom_score_adj");
  adj << "-1000" << std::flush;
  std::ifstream back("/proc/self/oom_score_adj");
  int value = 0;
  if (back >> value) stats.oom_score_adj = value;
}

// The hog child's body: map, touch every page (a write: a read would map the shared zero page
// and charge nothing), then hold until killed.
int hog_main(std::uint64_t bytes, HogStats& stats) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    stats.error.set(errno_text("mmap " + std::to_string(bytes) + " bytes", errno));
    return 1;
  }
  const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  auto* bytes_p = static_cast<volatile unsigned char*>(p);
  for (std::uint64_t off = 0; off < bytes; off += page) {
    bytes_p[off] = 0x5a;
    if ((off & ((1u << 20) - 1)) == 0) stats.touched.store(off, std::memory_order_relaxed);
  }
  stats.touched = bytes;
  stats.ready = 1;
  for (;;) pause();
}

}  // namespace

std::uint64_t mem_total_bytes() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  while (in >> key) {
    if (key == "MemTotal:") {
      std::uint64_t kib = 0;
      in >> kib;
      return kib << 10;
    }
    in.ignore(1 << 16, '\n');
  }
  return 0;
}

std::uint64_t hog_bytes(const PressureSpec& spec, std::uint64_t limit_bytes) {
  if (spec.hog_mib != 0) return spec.hog_mib << 20;
  const std::uint64_t page = 4096;
  return limit_bytes / 100 * spec.hog_percent / page * page;
}

Hog::Hog(std::uint64_t bytes, std::string basis, std::string usage_file, ChildReaper& reaper,
         const std::function<std::string()>& enter)
    : reaper_(reaper), bytes_(bytes), basis_(std::move(basis)), usage_file_(std::move(usage_file)) {
  HogStats& stats = *stats_;
  pid_ = reaper_.spawn([&] {
    try {
      stats.cgroup.set(enter ? enter() : std::string());
    } catch (const std::exception& e) {
      stats.error.set(e.what());
      return 1;
    }
    exempt_from_oom_killer(stats);
    return hog_main(bytes_, stats);
  });
  auto deadline = Clock::now() + kTouchTimeout;
  while (stats.ready.load() == 0) {
    if (auto status = reaper_.status(pid_)) {
      pid_ = -1;
      std::string why(stats.error.get());
      throw AgentError("pressure", "hog of " + std::to_string(bytes_ >> 20) + " MiB " +
                                       describe_status(*status) + " after touching " +
                                       std::to_string(stats.touched.load() >> 20) + " MiB" +
                                       (why.empty() ? "" : ": " + why));
    }
    if (Clock::now() > deadline) {
      kill(pid_, SIGKILL);
      reaper_.wait(pid_, std::chrono::seconds(5));
      pid_ = -1;
      throw AgentError("pressure",
                       "hog did not touch " + std::to_string(bytes_ >> 20) + " MiB within 60 s");
    }
    sleep_for(std::chrono::milliseconds(10));
  }
}

Hog::~Hog() {
  if (pid_ < 0) return;
  kill(pid_, SIGKILL);
  reaper_.wait(pid_, std::chrono::seconds(5));
}

void Hog::stop() {
  if (pid_ < 0) return;
  if (auto status = reaper_.status(pid_)) {
    // Killed during the workload: by the OOM killer, most likely (the result's `oom` says).
    end_ = "died during the workload: " + describe_status(*status);
  } else {
    rss_kib_ = rss_kib(pid_);
    if (!usage_file_.empty()) {
      std::ifstream in(usage_file_);
      if (!(in >> group_usage_)) group_usage_ = -1;
    }
    end_ = "held to the end";
    kill(pid_, SIGKILL);
    reaper_.wait(pid_, std::chrono::seconds(5));
  }
  pid_ = -1;
}

nlohmann::json Hog::report() const {
  return {
      {"bytes", bytes_},
      {"basis", basis_},
      {"touched", stats_->touched.load()},
      {"oom_score_adj", stats_->oom_score_adj.load()},
      {"rss_kib", rss_kib_},
      {"group_usage_bytes", group_usage_ >= 0 ? nlohmann::json(group_usage_) : nlohmann::json()},
      {"cgroup", std::string(stats_->cgroup.get())},
      {"end", end_}};
}

}  // namespace fuselab::agent
