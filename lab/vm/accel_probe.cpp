#include "vm/accel_probe.h"

#include <unistd.h>

#include "common/error.h"
#include "common/subprocess.h"

namespace fuselab {

const char* to_string(Accelerator accel) { return accel == Accelerator::Kvm ? "kvm" : "tcg"; }

namespace {

AccelChoice probe_kvm(const std::filesystem::path& kernel) {
  if (::access("/dev/kvm", R_OK | W_OK) != 0) return {Accelerator::Tcg, "/dev/kvm is not usable"};
  // No initramfs and no disk: the kernel prints its banner and then panics for want of a root,
  // which is all we need. -no-reboot turns that panic into a QEMU exit.
  std::vector<std::string> argv = {"qemu-system-x86_64", "-accel", "kvm", "-cpu", "host",
                                   "-m", "256", "-nographic", "-no-reboot", "-nodefaults",
                                   "-serial", "stdio", "-kernel", kernel.string(),
                                   "-append", "console=ttyS0 panic=1 loglevel=4"};
  CommandOptions options;
  options.timeout = std::chrono::seconds(15);
  auto result = run_command(argv, options, "qemu-system-x86");
  if (result.out.find("Linux version") != std::string::npos) return {Accelerator::Kvm, "KVM probe boot succeeded"};
  std::string why = tail_lines(result.err, 1);
  while (!why.empty() && (why.back() == '\n' || why.back() == '\r')) why.pop_back();
  if (why.empty()) why = result.timed_out ? "probe boot printed nothing in 15 s" : "probe boot failed";
  return {Accelerator::Tcg, "KVM probe boot failed (" + why + ")"};
}

}  // namespace

AccelChoice choose_accelerator(const std::string& requested, const std::filesystem::path& kernel) {
  if (requested == "tcg") return {Accelerator::Tcg, "requested"};
  if (requested != "auto" && requested != "kvm") {
    throw UserError("bad --accel value '" + requested + "'", "want one of: auto, kvm, tcg");
  }
  auto choice = probe_kvm(kernel);
  if (requested == "kvm" && choice.accel != Accelerator::Kvm) {
    throw UserError("--accel kvm was requested but KVM cannot run a guest here: " + choice.reason,
                    "use --accel tcg or --accel auto");
  }
  return choice;
}

}  // namespace fuselab
