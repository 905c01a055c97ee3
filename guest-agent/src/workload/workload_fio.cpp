// fio: sequential writes by fio jobs (rw=write, ioengine=psync) into files on the FUSE mount,
// for throughput cells comparable with other FUSE benchmarks. fio runs as a child of the writer
// (so in the writer's cgroup); its JSON report is read through a pipe, bounded, and parsed
// (fio_json.h). Progress for the monitor's watchdog comes from the files' sizes, polled while fio
// runs: fio itself says nothing until it ends.
#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <vector>

#include "util/children.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/unique_fd.h"
#include "workload/fio_json.h"
#include "workload/workload.h"

namespace fuselab::agent {
namespace {

constexpr std::size_t kStderrTail = 2048;
constexpr const char* kFioPaths[] = {"/usr/bin/fio", "/usr/local/bin/fio", "/bin/fio"};

std::string find_fio() {
  for (const char* p : kFioPaths)
    if (access(p, X_OK) == 0) return p;
  return "";
}

std::vector<std::string> fio_argv(const std::string& fio, const WorkloadSpec& spec,
                                  const std::string& mountpoint) {
  const std::uint64_t per_job_mib = std::max<std::uint64_t>(1, spec.size_mib / spec.jobs);
  // fio expands $jobnum itself: the argv goes to execve, no shell sees it.
  return {fio,
          "--name=fuselab",
          "--directory=" + mountpoint,
          "--filename_format=fuselab.$jobnum",
          "--rw=write",
          "--bs=" + std::to_string(spec.block_kib) + "k",
          "--size=" + std::to_string(per_job_mib) + "M",
          "--numjobs=" + std::to_string(spec.jobs),
          "--ioengine=psync",
          "--fallocate=none",  // FUSE servers need not implement fallocate
          "--end_fsync=" + std::string(spec.fsync ? "1" : "0"),
          "--group_reporting",
          "--output-format=json"};
}

// Bytes in the jobs' files so far: the watchdog's progress while fio runs.
std::uint64_t files_size(const std::string& mountpoint, const WorkloadSpec& spec) {
  std::uint64_t sum = 0;
  for (const auto& name : fio_files(spec)) {
    struct stat st {};
    std::string path = mountpoint + "/" + name;
    if (stat(path.c_str(), &st) == 0) sum += static_cast<std::uint64_t>(st.st_size);
  }
  return sum;
}

pid_t start_fio(const std::vector<std::string>& args, int out_fd, int err_fd) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  char path_env[] = "PATH=/usr/local/bin:/usr/bin:/bin";
  char* envp[] = {path_env, nullptr};
  pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // the writer killed (OOM, abort): fio goes too
    dup2(out_fd, STDOUT_FILENO);
    dup2(err_fd, STDERR_FILENO);
    execve(argv[0], argv.data(), envp);
    _exit(127);
  }
  return pid;
}

}  // namespace

// fio's --filename_format=fuselab.$jobnum, $jobnum counting from 0.
std::vector<std::string> fio_files(const WorkloadSpec& spec) {
  std::vector<std::string> names;
  for (unsigned i = 0; i < spec.jobs; ++i) names.push_back("fuselab." + std::to_string(i));
  return names;
}

int fio_write(const WorkloadSpec& spec, const std::string& mountpoint, WorkloadStats& stats) {
  std::string fio = find_fio();
  if (fio.empty()) {
    stats.error.set("fio not found (looked in /usr/bin, /usr/local/bin, /bin)");
    return 1;
  }
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
    stats.error.set(errno_text("pipe", errno));
    return 1;
  }
  UniqueFd out_read(out[0]), out_write(out[1]), err_read(err[0]), err_write(err[1]);
  auto start = Clock::now();
  pid_t pid = start_fio(fio_argv(fio, spec, mountpoint), out_write.get(), err_write.get());
  if (pid < 0) {
    stats.error.set(errno_text("fork fio", errno));
    return 1;
  }
  out_write.reset();
  err_write.reset();

  std::string output, err_text;
  bool truncated = false;
  pollfd fds[2] = {{out_read.get(), POLLIN, 0}, {err_read.get(), POLLIN, 0}};
  for (int open_fds = 2; open_fds > 0;) {
    stats.bytes_done.store(files_size(mountpoint, spec), std::memory_order_relaxed);
    if (poll(fds, 2, 200) <= 0) continue;
    for (auto& p : fds) {
      if (p.fd < 0 || !(p.revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[8192];
      ssize_t n = read(p.fd, buf, sizeof(buf));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        p.fd = -1;
        --open_fds;
      } else if (p.fd == out_read.get()) {
        // Keep draining past the bound (fio must not block on a full pipe), keep nothing.
        if (output.size() + static_cast<std::size_t>(n) <= kMaxFioOutput)
          output.append(buf, static_cast<std::size_t>(n));
        else
          truncated = true;
      } else {
        err_text.append(buf, static_cast<std::size_t>(n));
        if (err_text.size() > 2 * kStderrTail) err_text.erase(0, err_text.size() - kStderrTail);
      }
    }
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  stats.elapsed_ns = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count());
  stats.bytes_done.store(files_size(mountpoint, spec), std::memory_order_relaxed);
  if (err_text.size() > kStderrTail) err_text.erase(0, err_text.size() - kStderrTail);
  if (status != 0) {
    stats.bytes_written = stats.bytes_done.load();
    stats.error.set("fio " + describe_status(status) + (err_text.empty() ? "" : ": " + err_text));
    return 1;
  }
  try {
    if (truncated) throw FioParseError("fio output: larger than the bound, not read");
    FioSummary s = parse_fio_json(output);
    stats.bytes_written = s.io_bytes;
    stats.fio_jobs = s.jobs;
    stats.fio_bw_bytes = s.bw_bytes;
    stats.fio_iops = s.iops;
    stats.fio_clat_p50_us = s.clat_p50_us.value_or(-1);
    stats.fio_clat_p99_us = s.clat_p99_us.value_or(-1);
    stats.fio_version.set(s.version);
    stats.fio_reported = 1;
    if (s.error != 0) {
      stats.error.set("fio job error " + std::to_string(s.error));
      return 1;
    }
  } catch (const FioParseError& e) {
    stats.bytes_written = stats.bytes_done.load();
    stats.error.set(e.what());
    return 1;
  }
  return 0;
}

nlohmann::json fio_report(const WorkloadSpec& spec, const WorkloadStats& stats) {
  if (spec.kind != "fio") return nullptr;
  if (stats.fio_reported.load() == 0) return {{"reported", false}};
  auto opt = [](double v) { return v < 0 ? nlohmann::json() : nlohmann::json(v); };
  return {{"reported", true},
          {"version", std::string(stats.fio_version.get())},
          {"jobs", spec.jobs},
          {"bw_bytes", stats.fio_bw_bytes.load()},
          {"iops", stats.fio_iops.load()},
          {"clat_p50_us", opt(stats.fio_clat_p50_us.load())},
          {"clat_p99_us", opt(stats.fio_clat_p99_us.load())}};
}

}  // namespace fuselab::agent
