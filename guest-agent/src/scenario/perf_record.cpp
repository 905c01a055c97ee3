#include "scenario/perf_record.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>

#include "protocol/base64.h"
#include "protocol/channel.h"
#include "util/unique_fd.h"

namespace fuselab::agent {
namespace {

constexpr std::size_t kChunkBytes = 30UL * 1024;  // 40 KiB of base64: under the line limit

// /usr/bin/perf_X.Y, the newest by name; else /usr/bin/perf; "" when neither is there.
std::string find_perf() {
  std::string best;
  if (DIR* d = opendir("/usr/bin")) {
    while (dirent* e = readdir(d)) {
      std::string name = e->d_name;
      if (name.starts_with("perf_") && name.size() > 5 && std::isdigit(name[5]) &&
          access(("/usr/bin/" + name).c_str(), X_OK) == 0 && name > best)
        best = name;
    }
    closedir(d);
  }
  if (!best.empty()) return "/usr/bin/" + best;
  return access("/usr/bin/perf", X_OK) == 0 ? "/usr/bin/perf" : "";
}

}  // namespace

PerfRecord::PerfRecord(const std::vector<std::string>& events, ChildReaper& reaper)
    : reaper_(reaper) {
  report_ = {{"binary", nullptr}, {"events", events.size()}};
  std::string perf = find_perf();
  if (perf.empty() || events.empty()) {
    report_["problem"] = perf.empty() ? "no perf in the guest image" : "no tracepoint to record";
    return;
  }
  report_["binary"] = perf;
  // Started with its events off, switched on through its control FIFO once it is set up, and
  // the workload waits for its ack: perf writes its file's header long before it records (it
  // first lists every task), and under TCG a 16 MiB cell can be over by then.
  unlink(kControl);
  unlink(kAck);
  const bool control = mkfifo(kControl, 0600) == 0 && mkfifo(kAck, 0600) == 0;
  std::vector<std::string> argv = {perf,
                                   "record",
                                   "-a",
                                   "-q",
                                   "-o",
                                   kOutput,
                                   "--max-size=" + std::to_string(kMaxBytes >> 10) + "K"};
  if (control) {
    argv.push_back("-D");
    argv.push_back("-1");
    argv.push_back(std::string("--control=fifo:") + kControl + "," + kAck);
  }
  for (const auto& e : events) {
    argv.push_back("-e");
    argv.push_back(e);
  }
  report_["argv"] = argv;
  unlink(kOutput);
  pid_ = reaper_.spawn([&argv] {
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
      dup2(null, STDIN_FILENO);
      dup2(null, STDOUT_FILENO);  // its stderr stays the console: its errors are evidence
    }
    execv(args[0], args.data());
    return 127;
  });
  // O_RDWR: a FIFO opened so never blocks, and "enable" waits in it until perf reads it.
  UniqueFd ctl(control ? open(kControl, O_RDWR | O_CLOEXEC) : -1);
  UniqueFd ack(control ? open(kAck, O_RDWR | O_NONBLOCK | O_CLOEXEC) : -1);
  bool enabled = false;
  if (ctl && ack && write(ctl.get(), "enable\n", 7) == 7) {
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    char buf[16];
    while (!enabled && Clock::now() < deadline && !reaper_.status(pid_)) {
      enabled = read(ack.get(), buf, sizeof(buf)) > 0;
      if (!enabled) sleep_for(std::chrono::milliseconds(100));
    }
  }
  report_["enabled_before_workload"] = enabled;
  if (auto status = reaper_.status(pid_)) {
    report_["problem"] = "perf record ended at start: " + describe_status(*status);
    pid_ = -1;
  }
}

void PerfRecord::stop_and_send(Channel& channel) {
  if (pid_ < 0) return;
  kill(pid_, SIGINT);
  auto status = reaper_.wait(pid_, std::chrono::seconds(20));
  if (!status) {
    kill(pid_, SIGKILL);
    status = reaper_.wait(pid_, std::chrono::seconds(5));
  }
  pid_ = -1;
  report_["exit"] = status ? describe_status(*status) : "did not exit";
  unlink(kControl);
  unlink(kAck);
  std::ifstream in(kOutput, std::ios::binary);
  std::string data;
  if (in) {
    data.assign(std::istreambuf_iterator<char>(in), {});
    data.resize(std::min(data.size(), kMaxBytes));
  }
  unsigned chunks = 0;
  for (std::size_t at = 0; at < data.size(); at += kChunkBytes, ++chunks) {
    channel.send(
        {{"msg", protocol::message_name(protocol::MessageType::File)},
         {"name", "perf.data"},
         {"seq", chunks},
         {"data", protocol::base64_encode(std::string_view(data).substr(at, kChunkBytes))}});
  }
  report_["bytes"] = data.size();
  report_["chunks"] = chunks;
  channel.send({{"msg", protocol::message_name(protocol::MessageType::FileEnd)},
                {"name", "perf.data"},
                {"bytes", data.size()},
                {"chunks", chunks},
                {"exit", report_["exit"]}});
  unlink(kOutput);
}

}  // namespace fuselab::agent
