#include "vm/accel_probe.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "common/error.h"
#include "common/json_fields.h"
#include "common/paths.h"
#include "common/subprocess.h"

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace fuselab {

const char* to_string(Accelerator accel) { return accel == Accelerator::Kvm ? "kvm" : "tcg"; }

namespace {

constexpr const char* kQemu = "qemu-system-x86_64";

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  size_t start = s.find_first_not_of(" \t");
  return start == std::string::npos ? "" : s.substr(start);
}

// The line of QEMU's stderr that says most: one naming an error, else the last one.
std::string telling_line(const std::string& text) {
  std::istringstream in(text);
  std::string line, last, error_line;
  while (std::getline(in, line)) {
    line = trimmed(line);
    if (line.empty()) continue;
    last = line;
    if (error_line.empty() &&
        (line.find("error") != std::string::npos || line.find("failed") != std::string::npos))
      error_line = line;
  }
  std::string pick = error_line.empty() ? last : error_line;
  return pick.size() > 200 ? pick.substr(0, 200) + "..." : pick;
}

// What identifies the answer: this boot of the host, and the QEMU binary that gave it.
json probe_identity() {
  json id = {{"boot_id", trimmed(read_file_or_empty("/proc/sys/kernel/random/boot_id"))}};
  fs::path qemu = find_program(kQemu);
  id["qemu"] = qemu.string();
  struct stat st {};
  if (!qemu.empty() && ::stat(qemu.c_str(), &st) == 0) {
    id["qemu_size"] = static_cast<long long>(st.st_size);
    id["qemu_mtime"] =
        static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
  }
  return id;
}

AccelChoice probe_kvm(const fs::path& kernel, std::chrono::milliseconds deadline) {
  if (::access("/dev/kvm", R_OK | W_OK) != 0) return {Accelerator::Tcg, "/dev/kvm is not usable"};
  // No initramfs and no disk: the kernel prints its banner and then panics for want of a root,
  // which is all we need. -no-reboot turns that panic into a QEMU exit.
  std::vector<std::string> argv = {kQemu,        "-accel",
                                   "kvm",        "-cpu",
                                   "host",       "-m",
                                   "256",        "-nographic",
                                   "-no-reboot", "-nodefaults",
                                   "-serial",    "stdio",
                                   "-kernel",    kernel.string(),
                                   "-append",    "console=ttyS0 panic=1 loglevel=4"};
  CommandOptions options;
  options.timeout = deadline;
  options.capture_limit = 64 << 10;
  auto result = run_command(argv, options, "qemu-system-x86");
  ProbeRun run;
  run.banner = result.out.find("Linux version") != std::string::npos;
  run.timed_out = result.timed_out;
  run.exit_code = result.exit_code;
  run.signal = result.signal;
  run.console = std::move(result.out);
  run.errors = std::move(result.err);
  return classify_probe(run, deadline);
}

void store(const fs::path& cache_file, const AccelChoice& choice) {
  if (cache_file.empty()) return;
  json entry = probe_identity();
  entry["accel"] = to_string(choice.accel);
  entry["reason"] = choice.reason;
  entry["probed_at"] = choice.probed_at;
  try {
    fs::create_directories(cache_file.parent_path());
    write_file_atomic(cache_file, entry.dump(2) + "\n");
  } catch (const std::exception&) {
    // A cache we cannot write costs the next run a probe, nothing else.
  }
}

}  // namespace

AccelChoice classify_probe(const ProbeRun& run, std::chrono::milliseconds deadline) {
  if (run.banner) return {Accelerator::Kvm, "KVM probe boot printed the kernel banner"};
  std::string err = telling_line(run.errors);
  if (run.timed_out) {
    std::string last = telling_line(run.console);
    std::string why = fmt::format("KVM stayed silent: no kernel banner within {:.1f} s",
                                  std::chrono::duration<double>(deadline).count());
    if (!last.empty()) why += " (last console line: '" + last + "')";
    return {Accelerator::Tcg, why};
  }
  if (run.signal) {
    return {Accelerator::Tcg, "QEMU died under KVM with signal " + std::to_string(run.signal) +
                                  (err.empty() ? "" : ": " + err)};
  }
  if (run.exit_code != 0) {
    return {Accelerator::Tcg, "QEMU exited with status " + std::to_string(run.exit_code) +
                                  " under KVM" + (err.empty() ? "" : ": " + err)};
  }
  return {Accelerator::Tcg,
          "KVM probe boot ended without a kernel banner" + (err.empty() ? "" : ": " + err)};
}

fs::path default_accel_cache_file() { return cache_dir() / "accel-probe.json"; }

std::optional<AccelChoice> cached_accelerator(const fs::path& cache_file) {
  if (cache_file.empty()) return std::nullopt;
  auto entry = json::parse(read_file_or_empty(cache_file), nullptr, false);
  if (!entry.is_object()) return std::nullopt;
  json id = probe_identity();
  for (const auto& [key, value] : id.items()) {
    if (!entry.contains(key) || entry[key] != value) return std::nullopt;
  }
  auto accel = json_string_field(entry, "accel");
  auto reason = json_string_field(entry, "reason");
  auto at = json_int_field<long long>(entry, "probed_at");
  if (!accel || !reason || !at || (*accel != "kvm" && *accel != "tcg")) return std::nullopt;
  AccelChoice choice{*accel == "kvm" ? Accelerator::Kvm : Accelerator::Tcg, *reason, true, *at};
  return choice;
}

AccelChoice choose_accelerator(const std::string& requested, const fs::path& kernel,
                               const AccelProbeOptions& options) {
  if (requested == "tcg") return {Accelerator::Tcg, "requested"};
  if (requested != "auto" && requested != "kvm") {
    throw UserError("bad --accel value '" + requested + "'", "want one of: auto, kvm, tcg");
  }
  std::optional<AccelChoice> choice;
  if (!options.refresh) choice = cached_accelerator(options.cache_file);
  if (!choice) {
    choice = probe_kvm(kernel, options.deadline);
    choice->probed_at = static_cast<long long>(std::time(nullptr));
    store(options.cache_file, *choice);
  }
  if (requested == "kvm" && choice->accel != Accelerator::Kvm) {
    throw UserError("--accel kvm was requested but KVM cannot run a guest here: " + choice->reason,
                    "use --accel tcg or --accel auto");
  }
  return *choice;
}

}  // namespace fuselab
