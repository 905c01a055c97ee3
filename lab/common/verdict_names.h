// The closed list of verdicts and their names, in the lowest layer: the plan loader (config)
// checks `expect:` against the names and verdict/ decides the values, from this one list.
#pragma once

#include <cstddef>
#include <iterator>
#include <string_view>
#include <utility>

namespace fuselab {

enum class Verdict {
  Pass,   // workload finished, data checked, no kernel report
  Slow,   // hung-task reports, but the workload finished
  Hang,   // hung-task report and no completion by the deadline
  Stall,  // no completion and no hung-task report: a livelock, or a server that stopped answering
  Oom,    // an OOM kill ended the workload
  Crash,  // oops, BUG, panic, soft lockup, RCU stall
  // The kernel crashed before the agent's hello on the first attempt and again on the retry
  // (syzkaller's "boot error"): the kernel's result, with its console, not the lab's failure.
  BootError,
  Warn,   // kernel WARNING, workload finished
  Fail,   // the workload itself failed (I/O error, server bytes != bytes written)
  Infra,  // the lab failed: guest did not boot, QEMU died, agent silent: never a kernel result
  Skip,   // the kernel cannot run this cell (keep last: lists of every verdict end here)
};

// Every verdict with its name, in enum order.
inline constexpr std::pair<Verdict, std::string_view> kVerdictNames[] = {
    {Verdict::Pass, "PASS"},
    {Verdict::Slow, "SLOW"},
    {Verdict::Hang, "HANG"},
    {Verdict::Stall, "STALL"},
    {Verdict::Oom, "OOM"},
    {Verdict::Crash, "CRASH"},
    {Verdict::BootError, "BOOT_ERROR"},
    {Verdict::Warn, "WARN"},
    {Verdict::Fail, "FAIL"},
    {Verdict::Infra, "INFRA"},
    {Verdict::Skip, "SKIP"}};
static_assert(std::size(kVerdictNames) == static_cast<size_t>(Verdict::Skip) + 1,
              "every verdict has a name");

}  // namespace fuselab
