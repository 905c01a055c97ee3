#include "image/kernel_steps.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "common/elapsed.h"
#include "common/error.h"
#include "common/hash.h"
#include "common/paths.h"
#include "common/stop_request.h"
#include "common/subprocess.h"
#include "image/kernel_config.h"

namespace fs = std::filesystem;

namespace fuselab {
namespace {

constexpr const char* kConfigStamp = ".fuselab-config-ok";
constexpr auto kMakeDeadline = std::chrono::minutes(40);
constexpr auto kProgressEvery = std::chrono::seconds(15);

// The make command line every step shares: out-of-tree, always x86_64 (ARCH=x86 would let
// allnoconfig turn 64BIT off).
std::vector<std::string> make_argv(const fs::path& src, const fs::path& obj,
                                   std::vector<std::string> args) {
  std::vector<std::string> argv = {"make", "-C", src.string(), "O=" + obj.string(), "ARCH=x86_64"};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

// `stop`: a stop token for run_command (make only: a patch or revert stopped halfway would leave
// the tree neither patched nor clean).
CommandResult run_step(const std::string& step, const std::vector<std::string>& argv,
                       std::chrono::milliseconds timeout, BuildLog& log, const fs::path& cwd = {},
                       const std::atomic<bool>* stop = nullptr) {
  log.note("$ " + [&] {
    std::string line;
    for (const auto& a : argv) line += (line.empty() ? "" : " ") + a;
    return line;
  }());
  CommandOptions options;
  options.timeout = timeout;
  options.output_file = log.step_file();
  options.stdin_data = "";  // a tool that asks a question gets EOF, never waits for a terminal
  options.cwd = cwd;
  options.stop = stop;
  auto result = run_command(argv, options, "build-essential");
  log.commit_step(step);
  if (result.timed_out) {
    fail_step(step, "'" + argv[0] + "' timed out", log, /*infra=*/true);
  }
  return result;
}

std::string read_tail_bytes(const fs::path& path, size_t bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  in.seekg(0, std::ios::end);
  auto size = static_cast<size_t>(in.tellg());
  in.seekg(static_cast<std::streamoff>(size > bytes ? size - bytes : 0));
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

BuildLog::BuildLog(fs::path path) : path_(std::move(path)) {
  fs::create_directories(path_.parent_path());
  std::ofstream(path_, std::ios::trunc);
}

fs::path BuildLog::step_file() const { return path_.string() + ".step"; }

void BuildLog::note(const std::string& line) {
  std::ofstream(path_, std::ios::app) << line << "\n";
}

void BuildLog::commit_step(const std::string& step) {
  std::ofstream out(path_, std::ios::app);
  std::ifstream in(step_file(), std::ios::binary);
  // Streaming an empty file's rdbuf sets failbit, which would swallow the line below.
  if (in && in.peek() != std::ifstream::traits_type::eof()) out << in.rdbuf();
  out.clear();
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.1f", seconds_since(step_start_));
  out << "[fuselab] end of step " << step << " (" << seconds << " s)\n";
  step_start_ = std::chrono::steady_clock::now();
  in.close();
  std::error_code ec;
  fs::remove(step_file(), ec);
}

std::string BuildLog::tail(size_t lines) const {
  return tail_lines(read_tail_bytes(path_, 64 << 10), lines);
}

void fail_step(const std::string& step, const std::string& what, BuildLog& log, bool infra) {
  std::string text = "kernel build failed at step '" + step + "': " + what +
                     "\nlog: " + log.path().string() + "\nlast lines of the log:\n" + log.tail(20);
  if (infra) throw InfraError(text);
  throw UserError(text, "read the log; fix the tree, config fragment or patch it names");
}

void apply_patches(const fs::path& src, const std::vector<fs::path>& patches,
                   const fs::path& applied_dir, const std::string& source_text, BuildLog& log) {
  fs::create_directories(applied_dir);
  for (size_t i = 0; i < patches.size(); ++i) {
    const auto& patch = patches[i];
    auto base = std::vector<std::string>{
        "patch",           "-p1", "--forward",   "--batch", "--no-backup-if-mismatch",
        "--reject-file=-", "-i",  patch.string()};
    auto dry = base;
    dry.push_back("--dry-run");
    auto result = run_step("patch", dry, std::chrono::minutes(2), log, src);
    if (!result.ok()) {
      revert_patches(src, applied_dir, log);
      // patch's own lines name the file and hunk ("Hunk #1 FAILED at 3116.").
      auto text = read_tail_bytes(log.path(), 16 << 10);
      auto begin = text.rfind("$ patch");
      std::string detail = tail_lines(text.substr(begin == std::string::npos ? 0 : begin), 15);
      throw UserError(
          "patch " + patch.string() + " does not apply to " + source_text + ":\n" + detail,
          "refresh the patch against this source, or drop it from patches=");
    }
    auto copy = applied_dir / (std::to_string(1000 + i) + ".patch");
    fs::copy_file(patch, copy, fs::copy_options::overwrite_existing);
    if (!run_step("patch", base, std::chrono::minutes(2), log, src).ok()) {
      fs::remove(copy);
      revert_patches(src, applied_dir, log);
      fail_step("patch", "patch " + patch.string() + " failed after a clean dry run", log, true);
    }
  }
}

void revert_patches(const fs::path& src, const fs::path& applied_dir, BuildLog& log) {
  std::vector<fs::path> applied;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(applied_dir, ec)) applied.push_back(e.path());
  std::sort(applied.rbegin(), applied.rend());
  for (const auto& copy : applied) {
    auto r = run_step("revert",
                      {"patch", "-p1", "-R", "--batch", "--no-backup-if-mismatch",
                       "--reject-file=-", "-i", copy.string()},
                      std::chrono::minutes(2), log, src);
    if (!r.ok()) {
      fail_step("revert",
                "cannot revert " + copy.string() + "; delete " + src.parent_path().string() +
                    " to start over",
                log, true);
    }
    fs::remove(copy);
  }
}

std::string config_inputs_identity(const fs::path& src, const std::vector<fs::path>& configs) {
  Sha256 hash;
  hash.update("fuselab-config-inputs-1\n");
  for (const auto& c : configs) hash.update(c.filename().string()).update("\n").update_file(c);
  // The compiler's version is a Kconfig input too (CC_VERSION_TEXT, the CC_HAS_* tests).
  CommandOptions quick;
  quick.timeout = std::chrono::seconds(30);
  auto cc = run_command({"gcc", "--version"}, quick);
  hash.update(cc.out);
  std::vector<fs::path> kconfigs;
  for (auto it = fs::recursive_directory_iterator(src, fs::directory_options::none);
       it != fs::recursive_directory_iterator(); ++it) {
    const auto name = it->path().filename().string();
    if (it->is_directory() && (name == ".git" || name == "Documentation")) {
      it.disable_recursion_pending();
      continue;
    }
    if (name.starts_with("Kconfig") && it->is_regular_file()) kconfigs.push_back(it->path());
  }
  std::sort(kconfigs.begin(), kconfigs.end());
  for (const auto& k : kconfigs)
    hash.update(fs::relative(k, src).string()).update("\n").update_file(k);
  return hash.hex();
}

void configure_kernel(const fs::path& src, const fs::path& obj,
                      const std::vector<fs::path>& configs, BuildLog& log) {
  auto stamp = obj / kConfigStamp;
  const auto inputs = config_inputs_identity(src, configs);
  if (fs::exists(stamp) && fs::exists(obj / ".config") && read_file(stamp) == inputs) {
    log.note(
        "[fuselab] config: the fragments, every Kconfig file and the compiler are as at "
        "the last config: kept");
    return;
  }
  fs::create_directories(obj);
  if (!run_step("config", make_argv(src, obj, {"allnoconfig"}), std::chrono::minutes(5), log).ok())
    fail_step("config", "make allnoconfig failed", log);
  std::vector<std::string> merge = {
      "sh",         (src / "scripts/kconfig/merge_config.sh").string(),
      "-m",         "-O",
      obj.string(), (obj / ".config").string()};
  NamedTexts texts;
  for (const auto& c : configs) {
    merge.push_back(c.string());
    texts.emplace_back(c.filename().string(), read_file(c));
  }
  if (!run_step("config", merge, std::chrono::minutes(5), log, obj).ok())
    fail_step("config", "merge_config.sh failed", log);
  if (!run_step("config", make_argv(src, obj, {"olddefconfig"}), std::chrono::minutes(5), log).ok())
    fail_step("config", "make olddefconfig failed", log);
  auto dropped = dropped_options(texts, parse_kconfig(read_file(obj / ".config")));
  if (!dropped.empty()) {
    auto list = describe_dropped(dropped);
    log.note("[fuselab] options the final config does not have:\n" + list);
    throw UserError(
        "kernel config: options the fragments set were dropped by make olddefconfig "
        "(a dependency is missing):\n" +
            list + "log: " + log.path().string(),
        "add the options they depend on to the fragment (see `make menuconfig`, "
        "search with '/')");
  }
  write_file_atomic(stamp, inputs);
}

std::string last_build_target(const std::string& log_text) {
  std::istringstream in(log_text);
  std::string line, last;
  while (std::getline(in, line)) {
    // kbuild's quiet lines: two spaces, an upper-case tag, spaces, the target.
    if (line.size() > 4 && line.starts_with("  ") &&
        std::isupper(static_cast<unsigned char>(line[2]))) {
      std::istringstream words(line);
      std::string tag, target;
      words >> tag >> target;
      if (!target.empty()) last = tag + " " + target;
    }
  }
  return last;
}

void make_kernel(const fs::path& src, const fs::path& obj, const std::string& what, BuildLog& log) {
  auto start = std::chrono::steady_clock::now();
  unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  std::thread progress([&] {
    std::unique_lock lock(mu);
    auto last_report = std::chrono::steady_clock::now();
    while (!cv.wait_for(lock, std::chrono::seconds(1), [&] { return done; })) {
      if (std::chrono::steady_clock::now() - last_report < kProgressEvery) continue;
      last_report = std::chrono::steady_clock::now();
      auto target = last_build_target(read_tail_bytes(log.step_file(), 4096));
      spdlog::info("building {}: {:.0f} s{}", what, seconds_since(start),
                   target.empty() ? "" : ", " + target);
    }
  });
  CommandResult result;
  try {
    result = run_step("make", make_argv(src, obj, {"-j" + std::to_string(jobs), "bzImage"}),
                      kMakeDeadline, log, {}, &stop_request());
  } catch (...) {
    {
      std::lock_guard g(mu);
      done = true;
    }
    cv.notify_all();
    progress.join();
    throw;
  }
  {
    std::lock_guard g(mu);
    done = true;
  }
  cv.notify_all();
  progress.join();
  if (result.stopped)
    throw KernelBuildInterrupted("kernel build interrupted; log: " + log.path().string());
  if (!result.ok()) fail_step("make", "make bzImage failed", log);
  spdlog::info("built {} in {:.0f} s", what, seconds_since(start));
}

void make_gdb_scripts(const fs::path& src, const fs::path& obj, BuildLog& log) {
  if (!run_step("make", make_argv(src, obj, {"scripts_gdb"}), std::chrono::minutes(5), log).ok())
    fail_step("make", "make scripts_gdb failed", log);
}

}  // namespace fuselab
