// The steps of a kernel build in a work tree (src + obj): patch, config, make. Each writes its
// tools' output to the build log; a failure names its step, the log and the log's last lines.
#pragma once

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace fuselab {

// The log of one build: each step's output appended in order.
class BuildLog {
 public:
  explicit BuildLog(std::filesystem::path path);
  const std::filesystem::path& path() const { return path_; }
  // Where a running step writes (truncated per step), appended to the log by `commit_step` with
  // the seconds since the previous commit, so the log tells where the time went.
  std::filesystem::path step_file() const;
  void note(const std::string& line);
  void commit_step(const std::string& step);
  std::string tail(size_t lines) const;

 private:
  std::filesystem::path path_;
  std::chrono::steady_clock::time_point step_start_ = std::chrono::steady_clock::now();
};

// Throws a UserError (or InfraError when `infra`) for a failed step, with log path and tail.
[[noreturn]] void fail_step(const std::string& step, const std::string& what, BuildLog& log,
                            bool infra = false);

// Patches are applied in order with `patch -p1` after a dry run, each recorded (a copy) in
// `applied_dir` so that revert_patches, even in a later process after a crash, can undo them.
// A patch that does not apply: the ones before it are reverted, then UserError naming the patch
// file and patch's own hunk lines.
void apply_patches(const std::filesystem::path& src,
                   const std::vector<std::filesystem::path>& patches,
                   const std::filesystem::path& applied_dir, const std::string& source_text,
                   BuildLog& log);
void revert_patches(const std::filesystem::path& src, const std::filesystem::path& applied_dir,
                    BuildLog& log);

// allnoconfig, merge_config.sh -m of `configs` (in order), olddefconfig, then checks that every
// option the configs set survived. Skipped when obj already holds a config made from the same
// inputs: the configs' contents, every Kconfig* file of src (patched) and `gcc --version`. An
// edit elsewhere in a checkout (a .c file) keeps the config, which saved 5.8 s of each
// edit-and-rebuild here; an edited Kconfig redoes it.
std::string config_inputs_identity(const std::filesystem::path& src,
                                   const std::vector<std::filesystem::path>& configs);
void configure_kernel(const std::filesystem::path& src, const std::filesystem::path& obj,
                      const std::vector<std::filesystem::path>& configs, BuildLog& log);

// make bzImage with -j<cpus>, logging progress every ~15 s (elapsed, last target built).
// Ctrl-C: make runs in its own process group (so the terminal's SIGINT does not reach it); the
// signal handler sets stop_request() (common/stop_request.h), make's stop token, and run_command
// ends make's process group, its compilers too; make_kernel then throws KernelBuildInterrupted.
// Nothing is cached.
void make_kernel(const std::filesystem::path& src, const std::filesystem::path& obj,
                 const std::string& what, BuildLog& log);

struct KernelBuildInterrupted : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The last kbuild target line in a log tail ("CC      fs/fuse/file.o" -> "CC fs/fuse/file.o").
// `make scripts_gdb`: the gdb helper scripts (vmlinux-gdb.py, scripts/gdb/linux/ with the
// generated constants.py), which bzImage does not build. For a config with CONFIG_GDB_SCRIPTS.
void make_gdb_scripts(const std::filesystem::path& src, const std::filesystem::path& obj,
                      BuildLog& log);

std::string last_build_target(const std::string& log_text);

}  // namespace fuselab
