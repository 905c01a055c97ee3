// What the monitor samples about memory every second: PSI of the tested memcg
// (cgroup v2 `memory.pressure`) and of the whole system (/proc/pressure/memory), and the OOM-kill
// counter of the tested memcg (v2 `memory.events`, v1 `memory.oom_control`) and of the system
// (/proc/vmstat). Files are opened once, before the loop; sample() only preads into a fixed
// buffer and parses: it neither allocates nor opens anything, so it works while the tested group
// is stuck in reclaim. A missing file (no CONFIG_PSI, v1 has no memory.pressure) is reported as
// `absent` with the reason, never as a failure.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "util/unique_fd.h"

namespace fuselab::agent {

// One PSI file: "some avg10=A avg60=B avg300=C total=US\nfull avg10=... total=US\n".
struct PsiLine {
  double avg10 = 0;
  std::uint64_t total_us = 0;
  bool seen = false;
};
struct PsiSample {
  PsiLine some, full;
};
// Parses a PSI file's text; false if neither line is there. Exposed for unit tests.
bool parse_psi(std::string_view text, PsiSample& out);

// The value of `key` in "key value" lines (memory.events, memory.oom_control, /proc/vmstat);
// -1 if the key is not there. Exposed for unit tests.
long long keyed_value(std::string_view text, std::string_view key);

class MemoryWatch {
 public:
  // `group_dir`: the tested memcg's directory ("" when the cell has no cgroup); `v2` selects the
  // file names. Opens the files and takes the first sample (the baseline of the deltas).
  MemoryWatch(const std::string& group_dir, bool v2);
  MemoryWatch(const MemoryWatch&) = delete;
  MemoryWatch& operator=(const MemoryWatch&) = delete;

  // One sample of everything; allocation-free.
  void sample();
  // OOM kills in the tested group (or the system when there is no group) since the baseline.
  std::uint64_t oom_kills() const;
  // Result objects: `psi` {system, group} and `oom` {group_oom_kills, system_oom_kills, ...}.
  nlohmann::json psi_report() const;
  nlohmann::json oom_report() const;

  // The tested memcg's directory ("" without one) and its state for the stall/hang evidence:
  // calls f(name, text) for usage, limit, events and memory.stat as they read now (files opened
  // by the constructor; allocation-free; a file that could not be opened is skipped). `text` is
  // valid until the next call into this object.
  const std::string& group_dir() const { return group_dir_; }
  template <typename F>
  void for_each_memcg_file(F f) {
    for (const StateFile& file : memcg_state_)
      if (file.fd) f(std::string_view(file.name), pread_all(file.fd.get()));
  }

 private:
  struct Psi {
    UniqueFd fd;
    std::string path, absent;  // absent: why there are no figures
    PsiSample first, last;
    double some_avg10_max = 0, full_avg10_max = 0;
    unsigned samples = 0;
  };
  struct Counter {
    UniqueFd fd;
    std::string path, key, absent;
    long long first = -1, last = -1;
  };
  void sample_psi(Psi& p);
  void sample_counter(Counter& c);
  static nlohmann::json psi_json(const Psi& p);
  std::string_view pread_all(int fd);

  struct StateFile {
    const char* name = "";  // the kernel's file name, e.g. "memory.current"
    UniqueFd fd;
  };

  std::string group_dir_;
  Psi system_psi_, group_psi_;
  Counter group_oom_, system_oom_;
  StateFile memcg_state_[4];
  char buf_[16 * 1024];
};

}  // namespace fuselab::agent
