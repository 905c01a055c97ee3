#include "common/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "common/error.h"
#include "common/unique_fd.h"

extern char** environ;

namespace fuselab {
namespace {

using Clock = std::chrono::steady_clock;

std::vector<std::string> build_environment(const std::map<std::string, std::string>& env_set) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string entry(*e);
    auto key = entry.substr(0, entry.find('='));
    if (!env_set.contains(key)) env.push_back(entry);
  }
  for (const auto& [key, value] : env_set) env.push_back(key + "=" + value);
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

bool stop_set(const CommandOptions& options) {
  return options.stop && options.stop->load(std::memory_order_relaxed);
}

// True once `pid` has exited; it stays a zombie (WNOWAIT), so neither its pid nor its process
// group id can be reused until it is reaped.
bool exited(pid_t pid) {
  siginfo_t info{};
  return ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
         info.si_pid == pid;
}

// Ends the process group `pid` leads and reaps its leader: SIGTERM first when `grace` > 0 (make
// removes its half-written targets), then SIGKILL for what is left, the leader's children too.
int end_process_group(pid_t pid, std::chrono::milliseconds grace) {
  if (grace.count() > 0) {
    ::kill(-pid, SIGTERM);
    const auto until = Clock::now() + grace;
    while (!exited(pid) && Clock::now() < until) ::usleep(20000);
  }
  ::kill(-pid, SIGKILL);  // the leader unreaped, so -pid is still this group
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

void make_pipe(UniqueFd& read_end, UniqueFd& write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw InfraError("pipe: " + errno_text(errno));
  read_end.reset(fds[0]);
  write_end.reset(fds[1]);
}

}  // namespace

std::filesystem::path find_program(const std::string& program) {
  if (program.find('/') != std::string::npos) {
    return ::access(program.c_str(), X_OK) == 0 ? std::filesystem::path(program) : "";
  }
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    auto candidate = std::filesystem::path(dir) / program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  // root's tools (mkfs, modprobe) live in sbin, which a user's PATH may lack.
  for (const char* sbin : {"/usr/sbin", "/sbin"}) {
    auto candidate = std::filesystem::path(sbin) / program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

CommandResult run_command(const std::vector<std::string>& argv, const CommandOptions& options,
                          const std::string& package_hint) {
  if (argv.empty()) throw InfraError("run_command: empty argv");
  auto program = find_program(argv[0]);
  if (program.empty()) {
    throw UserError("required program '" + argv[0] + "' is not installed",
                    package_hint.empty() ? "" : "install it with: apt-get install " + package_hint);
  }

  std::vector<std::string> args = argv;
  std::string program_str = program.string();
  auto c_args = c_strings(args);
  auto env = build_environment(options.env_set);
  auto c_env = c_strings(env);

  UniqueFd in_r, in_w, out_r, out_w, err_r, err_w, file_fd;
  make_pipe(in_r, in_w);
  if (!options.output_file.empty()) {
    file_fd.reset(
        ::open(options.output_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!file_fd)
      throw InfraError("cannot open " + options.output_file.string() + ": " + errno_text(errno));
  } else {
    make_pipe(out_r, out_w);
    make_pipe(err_r, err_w);
  }
  std::string cwd = options.cwd.string();

  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) throw InfraError("fork: " + errno_text(errno));
  if (pid == 0) {
    // Child: only async-signal-safe calls from here to exec.
    ::setpgid(0, 0);  // own process group, so a deadline kills the whole tree
    // Dies with us even when we are SIGKILLed (no handler runs then). The signal fires when the
    // forking thread ends, which is fine: that thread waits for the child below. If we died
    // before prctl took effect the child was already reparented: then it ends itself.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(125);
    ::dup2(in_r.get(), 0);
    ::dup2(file_fd ? file_fd.get() : out_w.get(), 1);
    ::dup2(file_fd ? file_fd.get() : err_w.get(), 2);
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(126);
    ::execve(program_str.c_str(), c_args.data(), c_env.data());
    ::_exit(127);
  }
  ::setpgid(pid, pid);
  CommandResult result;
  result.pid = pid;
  in_r.reset();
  out_w.reset();
  err_w.reset();
  file_fd.reset();

  std::string to_write = options.stdin_data.value_or("");
  size_t written = 0;
  if (to_write.empty())
    in_w.reset();
  else
    ::fcntl(in_w.get(), F_SETFL, O_NONBLOCK);

  const auto deadline = Clock::now() + options.timeout;
  char buf[65536];
  while (out_r || err_r || in_w) {
    std::vector<pollfd> fds;
    if (out_r) fds.push_back({out_r.get(), POLLIN, 0});
    if (err_r) fds.push_back({err_r.get(), POLLIN, 0});
    if (in_w) fds.push_back({in_w.get(), POLLOUT, 0});
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      break;
    }
    if (stop_set(options)) {
      result.stopped = true;
      break;
    }
    const long slice = options.stop ? 20 : 1000;  // how soon a stop is seen
    int n = ::poll(fds.data(), fds.size(), static_cast<int>(std::min<long>(left.count(), slice)));
    if (n < 0 && errno != EINTR) break;
    for (auto& p : fds) {
      if (!p.revents) continue;
      if (in_w && p.fd == in_w.get()) {
        ssize_t w = ::write(in_w.get(), to_write.data() + written, to_write.size() - written);
        if (w > 0) written += static_cast<size_t>(w);
        if (w < 0 && errno != EAGAIN) in_w.reset();
        if (written == to_write.size()) in_w.reset();
        continue;
      }
      UniqueFd& src = (out_r && p.fd == out_r.get()) ? out_r : err_r;
      std::string& dst = (&src == &out_r) ? result.out : result.err;
      ssize_t r = ::read(src.get(), buf, sizeof buf);
      if (r <= 0) {
        src.reset();
      } else if (dst.size() < options.capture_limit) {
        dst.append(buf, std::min(static_cast<size_t>(r), options.capture_limit - dst.size()));
      }
    }
  }

  // With an output file there are no pipes to wait on: wait for the child with the deadline.
  int status = 0;
  while (!result.timed_out && !result.stopped) {
    pid_t w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) break;
    if (Clock::now() >= deadline)
      result.timed_out = true;
    else if (stop_set(options))
      result.stopped = true;
    else
      ::usleep(20000);
  }
  // A deadline kills at once, as it always has; a stop lets the leader clean up first.
  if (result.timed_out || result.stopped)
    status = end_process_group(
        pid, result.timed_out ? std::chrono::milliseconds(0) : options.stop_grace);
  if (WIFEXITED(status) && !result.timed_out && !result.stopped)
    result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  return result;
}

std::string tail_lines(const std::string& text, size_t max_lines) {
  // Walk back over at most `max_lines` line ends, ignoring the final one. Empty text, text without
  // a newline and max_lines == 0 are all ordinary cases here, never errors.
  if (max_lines == 0) return {};
  size_t end = text.size();
  if (end > 0 && text[end - 1] == '\n') --end;
  size_t start = end;
  size_t lines = 0;
  while (start > 0) {
    size_t nl = text.rfind('\n', start - 1);
    if (nl == std::string::npos) {
      start = 0;
      break;
    }
    if (++lines == max_lines) {
      start = nl + 1;
      break;
    }
    start = nl;
  }
  return text.substr(start, text.size() - start);
}

CommandResult run_checked(const std::vector<std::string>& argv, const CommandOptions& options,
                          const std::string& package_hint) {
  auto result = run_command(argv, options, package_hint);
  if (!result.ok()) {
    std::string why = result.timed_out ? "timed out after " +
                                             std::to_string(options.timeout.count() / 1000) + " s"
                                       : "exited with status " + std::to_string(result.exit_code);
    if (result.signal) why = "killed by signal " + std::to_string(result.signal);
    std::string detail = tail_lines(result.err.empty() ? result.out : result.err, 15);
    if (!options.output_file.empty()) detail = "log: " + options.output_file.string();
    throw InfraError("'" + argv[0] + "' " + why + (detail.empty() ? "" : ":\n" + detail));
  }
  return result;
}

}  // namespace fuselab
