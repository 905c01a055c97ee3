// Runs external tools (mmdebstrap, dpkg-deb, qemu-img, qemu) from argv vectors only: no user value
// is ever spliced into a shell command line. Every run has a deadline.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace fuselab {

struct CommandOptions {
  std::chrono::milliseconds timeout{std::chrono::minutes(10)};
  std::filesystem::path cwd;                   // empty: inherit
  std::map<std::string, std::string> env_set;  // added to the inherited environment
  std::optional<std::string> stdin_data;       // fed to the child's stdin, then closed
  std::filesystem::path output_file;           // if set, stdout+stderr go here, not captured
  size_t capture_limit = 4 << 20;              // bytes of stdout/stderr kept each
  // The stop token: once it reads true, the child's process group gets SIGTERM and, what is
  // left of it `stop_grace` later, SIGKILL; run_command then returns with `stopped`. Checked
  // every 20 ms while waiting. Null: the command runs to its end or deadline.
  const std::atomic<bool>* stop = nullptr;
  std::chrono::milliseconds stop_grace{std::chrono::seconds(5)};
};

struct CommandResult {
  int exit_code = -1;  // -1 when killed by a signal or by the deadline
  int signal = 0;
  bool timed_out = false;  // the deadline passed: its process group was SIGKILLed
  bool stopped = false;    // the stop token was set: its process group was ended
  // The child's pid, also the id of the process group it leads (setpgid before exec): so a
  // deadline or a stop ends its children too (make's compilers), not just the child.
  pid_t pid = -1;
  std::string out;
  std::string err;
  bool ok() const { return exit_code == 0; }
};

// Runs argv[0] (looked up in PATH) with the given arguments. Throws UserError when the program
// is not installed (naming the Debian package from `package_hint` if given), never for a non-zero
// exit: callers decide what a failure means.
CommandResult run_command(const std::vector<std::string>& argv, const CommandOptions& options = {},
                          const std::string& package_hint = {});

// Like run_command but throws InfraError with the tail of stderr when the command fails.
CommandResult run_checked(const std::vector<std::string>& argv, const CommandOptions& options = {},
                          const std::string& package_hint = {});

// Full path of `program` in PATH, or empty.
std::filesystem::path find_program(const std::string& program);

// Last `max_lines` lines of `text`, for error messages.
std::string tail_lines(const std::string& text, size_t max_lines);

}  // namespace fuselab
