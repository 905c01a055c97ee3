#include "image/file_lock.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>
#include <fstream>
#include <thread>

#include "common/error.h"
#include "common/stop_request.h"

namespace fs = std::filesystem;

namespace fuselab {
namespace {

using Clock = std::chrono::steady_clock;

UniqueFd open_lock_file(const fs::path& path) {
  if (path.has_parent_path()) fs::create_directories(path.parent_path());
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!fd) throw InfraError("cannot open lock " + path.string() + ": " + errno_text(errno));
  return fd;
}

// LOCK_NB: true when taken, false when another holds it; anything else is an error.
bool try_flock(int fd, const fs::path& path) {
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) return false;
    if (errno != EINTR) throw InfraError("cannot lock " + path.string() + ": " + errno_text(errno));
  }
  return true;
}

// Our command line, space-separated and short: enough to tell `fuselab run` from `kernel build`.
std::string own_command() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string out;
  for (char c : raw) out += c == '\0' ? ' ' : (static_cast<unsigned char>(c) < 0x20 ? '?' : c);
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (auto slash = out.rfind('/', out.find(' ')); slash != std::string::npos)
    out.erase(0, slash + 1);
  return out.size() > 120 ? out.substr(0, 117) + "..." : out;
}

std::string format_seconds(std::chrono::milliseconds d) {
  return std::to_string(d.count() / 1000) + " s";
}

}  // namespace

std::chrono::seconds default_lock_timeout() {
  if (const char* env = std::getenv("FUSELAB_LOCK_TIMEOUT_S"); env && *env) {
    long value = 0;
    auto [end, ec] = std::from_chars(env, env + std::strlen(env), value);
    if (ec == std::errc() && *end == '\0' && value > 0) return std::chrono::seconds(value);
    spdlog::warn(
        "FUSELAB_LOCK_TIMEOUT_S='{}' is not a positive number of seconds; using the default", env);
  }
  return std::chrono::hours(2);
}

std::string FileLock::describe_holder(const fs::path& path) {
  std::ifstream in(path);
  std::string pid, command, since, line;
  while (std::getline(in, line)) {
    if (line.starts_with("pid "))
      pid = line.substr(4);
    else if (line.starts_with("command "))
      command = line.substr(8);
    else if (line.starts_with("since "))
      since = line.substr(6);
  }
  if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos)
    return "an unknown process";
  return "pid " + pid + (command.empty() ? "" : " (" + command + ")") +
         (since.empty() ? "" : " since " + since);
}

FileLock::FileLock(const fs::path& path, std::chrono::milliseconds timeout) {
  fd_ = open_lock_file(path);
  if (try_flock(fd_.get(), path)) {
    write_holder();
    return;
  }
  const auto start = Clock::now();
  const auto deadline = start + timeout;
  bool told = false;
  while (!try_flock(fd_.get(), path)) {
    if (stop_request()) throw Interrupted("interrupted while waiting for " + path.string());
    if (Clock::now() >= deadline) {
      throw InfraError("gave up after " + format_seconds(timeout) + " waiting for " +
                       path.string() + ", held by " + describe_holder(path) +
                       " (FUSELAB_LOCK_TIMEOUT_S sets how long to wait)");
    }
    // Quick holds (an initramfs already built) pass silently; a long one says what it waits for.
    if (!told && Clock::now() - start > std::chrono::seconds(1)) {
      spdlog::info("waiting for {} held by {}", path.string(), describe_holder(path));
      told = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  write_holder();
}

std::optional<FileLock> FileLock::try_lock(const fs::path& path, std::string* holder) {
  UniqueFd fd = open_lock_file(path);
  if (!try_flock(fd.get(), path)) {
    if (holder) *holder = describe_holder(path);
    return std::nullopt;  // fd closes untouched: the holder's text stays
  }
  FileLock lock;
  lock.fd_ = std::move(fd);
  lock.write_holder();
  return lock;
}

bool FileLock::held(const fs::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return false;
  return !try_flock(fd.get(), path);  // closing fd drops the lock we may just have taken
}

void FileLock::write_holder() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char since[32];
  std::strftime(since, sizeof since, "%Y-%m-%dT%H:%M:%SZ", &tm);
  std::string text = "pid " + std::to_string(::getpid()) + "\ncommand " + own_command() +
                     "\nsince " + since + "\n";
  // Best effort: the lock works without it, only the waiter's message is poorer.
  if (::ftruncate(fd_.get(), 0) == 0) {
    ssize_t w = ::pwrite(fd_.get(), text.data(), text.size(), 0);
    (void)w;
  }
}

FileLock::~FileLock() {
  if (fd_) {
    int r = ::ftruncate(fd_.get(), 0);  // the file no longer names a holder
    (void)r;
  }
}

}  // namespace fuselab
