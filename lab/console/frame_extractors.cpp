#include "frame_extractors.h"

#include <array>

namespace fuselab::console {
namespace {

using namespace std::string_view_literals;

// Frames of the reporting machinery rather than of the bug (syzkaller's linuxStackParams skip
// list, cut to what x86-64 kernels print). Matched as substrings, as syzkaller does.
constexpr std::array kCommonSkip = {
    "__sanitizer"sv,   "kasan"sv,        "kmsan"sv,        "panic"sv,     "invalid_op"sv,
    "report_bug"sv,    "fixup_bug"sv,    "do_error"sv,     "_trap"sv,     "dump_stack"sv,
    "warn_slowpath"sv, "__warn"sv,       "handle_bug"sv,   "exc_int3"sv,  "asm_exc_"sv,
    "lockdep"sv,       "lock_acquire"sv, "lock_release"sv, "spin_lock"sv, "spin_unlock"sv,
    "_raw_"sv,         "printk"sv,       "memcpy"sv,       "memset"sv,    "__x86_indirect_thunk"sv,
};

// syzkaller's linuxHangTaskFrameExtractor skip list.
constexpr std::array kHangSkip = {
    "sched"sv,       "_lock"sv,          "_slowlock"sv,   "down"sv,
    "rwsem"sv,       "completion"sv,     "kthread"sv,     "wait"sv,
    "synchronize"sv, "context_switch"sv, "__switch_to"sv, "cancel_delayed_work"sv,
};

struct Anchor {
  std::string_view text;
  std::string_view replacement;  // empty: the frame itself
};

// Hung tasks in these calls are grouped under one title whatever called them.
constexpr std::array kHangAnchors = {
    Anchor{"rtnl_lock", ""},
    Anchor{"synchronize_rcu", "synchronize_rcu"},
    Anchor{"synchronize_srcu", "synchronize_rcu"},
    Anchor{"synchronize_net", "synchronize_rcu"},
    Anchor{"synchronize_sched", "synchronize_rcu"},
};

// Dispatch points: a stall is named by the frame called from the first of these.
constexpr std::array kStallAnchors = {
    "process_one_work"sv,  "do_syscall_"sv,       "do_fast_syscall_"sv,  "netif_receive_skb"sv,
    "do_softirq"sv,        "call_timer_fn"sv,     "_run_timers"sv,       "run_timer_softirq"sv,
    "run_ksoftirqd"sv,     "smpboot_thread_fn"sv, "kthread"sv,           "start_secondary"sv,
    "cpu_startup_entry"sv, "ret_from_fork"sv,     "vfs_write"sv,         "vfs_read"sv,
    "vfs_iter_read"sv,     "vfs_iter_write"sv,    "vfs_ioctl"sv,         "do_iter_readv_writev"sv,
    "mmap_region"sv,       "do_mmap"sv,           "do_dentry_open"sv,    "vfs_open"sv,
    "__do_fault"sv,        "handle_mm_fault"sv,   "do_page_fault"sv,     "__fput"sv,
    "task_work_run"sv,     "exit_to_user"sv,      "smp_call_function"sv,
};

constexpr std::array kSyscallPrefixes = {"__x64_"sv, "__ia32_"sv, "__do_sys_"sv, "__se_sys_"sv};

bool contains_any(std::string_view frame, std::span<const std::string_view> list) {
  for (auto s : list) {
    if (frame.find(s) != std::string_view::npos) return true;
  }
  return false;
}

bool skipped(std::string_view frame, std::span<const std::string_view> skip) {
  return contains_any(frame, kCommonSkip) || contains_any(frame, skip);
}

}  // namespace

std::optional<std::string> first_frame(const std::vector<std::string>& frames,
                                       std::span<const std::string_view> skip) {
  for (const auto& f : frames) {
    if (!skipped(f, skip)) return f;
  }
  return std::nullopt;
}

std::optional<std::string> hung_task_frame(const std::vector<std::string>& frames,
                                           std::span<const std::string_view> skip) {
  for (const auto& f : frames) {
    for (const auto& a : kHangAnchors) {
      if (f.find(a.text) == std::string::npos) continue;
      return a.replacement.empty() ? f : std::string(a.replacement);
    }
  }
  for (const auto& f : frames) {
    if (!skipped(f, skip) && !contains_any(f, kHangSkip)) return f;
  }
  return std::nullopt;
}

std::optional<std::string> stall_frame(const std::vector<std::string>& frames,
                                       std::span<const std::string_view> skip) {
  const std::string* prev = nullptr;
  for (const auto& f : frames) {
    if (skipped(f, skip)) continue;
    if (prev != nullptr && contains_any(f, kStallAnchors)) {
      if (f.find("smp_call_function") != std::string::npos) return "smp_call_function";
      std::string_view name = *prev;
      for (auto p : kSyscallPrefixes) {
        if (name.starts_with(p)) name.remove_prefix(p.size());
      }
      return std::string(name);
    }
    prev = &f;
  }
  return first_frame(frames, skip);
}

}  // namespace fuselab::console
