#include "channel/channel.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>

#include "util/error.h"

namespace fuselab::agent {
namespace {

void set_nonblocking(int fd) {
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0)
    throw_errno("channel", "fcntl O_NONBLOCK");
}

int poll_ms(Clock::time_point deadline) {
  auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(std::min<long long>(left, 1000));
}

}  // namespace

Channel::Channel(UniqueFd out, UniqueFd in, bool nonblocking)
    : out_(std::move(out)), in_(std::move(in)) {
  if (!nonblocking) return;
  set_nonblocking(out_.get());
  if (in_) set_nonblocking(in_.get());
}

void Channel::send(nlohmann::json msg, Clock::duration timeout) {
  msg["t"] = static_cast<double>(static_cast<long long>(boot_time_s() * 1000)) / 1000.0;
  send_line(msg.dump() + "\n", timeout);
}

void Channel::send_line(std::string_view line, Clock::duration timeout) {
  auto deadline = Clock::now() + timeout;
  std::size_t done = 0;
  while (done < line.size()) {
    ssize_t n = write(out_.get(), line.data() + done, line.size() - done);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR) throw_errno("channel", "write to host");
    if (Clock::now() >= deadline) throw AgentError("channel", "host does not read: send timed out");
    pollfd p{out_.get(), POLLOUT, 0};
    poll(&p, 1, poll_ms(deadline));
  }
}

std::optional<nlohmann::json> Channel::receive(Clock::time_point deadline) {
  if (!in_) throw AgentError("channel", "no input channel");
  for (;;) {
    if (!lines_.empty()) {
      std::string line = std::move(lines_.front());
      lines_.pop_front();
      auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (j.is_discarded() || !j.is_object())
        throw AgentError("channel", "host sent a line that is not a JSON object");
      return j;
    }
    char buf[4096];
    ssize_t n = read(in_.get(), buf, sizeof(buf));
    if (n > 0) {
      for (auto& line : splitter_.feed(std::string_view(buf, static_cast<std::size_t>(n))))
        lines_.push_back(std::move(line));
      if (splitter_.overlong() > 0)
        throw AgentError("channel", "host sent a line over " +
                                        std::to_string(protocol::kMaxLineBytes / 1024) + " KiB");
      continue;
    }
    if (Clock::now() >= deadline) return std::nullopt;
    if (n == 0) {
      // A virtio port whose host side is not connected yet reads as end of file: wait for the
      // host, up to the deadline, as for an empty port.
      sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    if (errno != EAGAIN && errno != EINTR) throw_errno("channel", "read from host");
    pollfd p{in_.get(), POLLIN, 0};
    poll(&p, 1, poll_ms(deadline));
  }
}

void Channel::drain(Clock::duration timeout) {
  // A virtio-serial port reports POLLOUT once the host has taken our buffers.
  pollfd p{out_.get(), POLLOUT, 0};
  poll(&p, 1,
       static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count()));
}

}  // namespace fuselab::agent
