// A scripted fake of the VM backend for unit tests of the cell and plan runners: each guest plays
// a list of timed steps (console and channel bytes, a power-off, closed streams, a hypervisor
// state) on the clock it is given, and answers the host's `run` line with canned agent lines.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "vm/backend.h"

namespace fuselab::testing {

struct Step {
  std::chrono::milliseconds at;
  std::string console;
  std::string channel;
  bool power_off = false;
  bool close_streams = false;       // from now on both streams read as closed
  std::optional<GuestState> state;  // from now on state() says this
  std::string state_detail;
};

// What one guest does.
struct GuestScript {
  std::vector<Step> steps;
  std::string on_run;              // channel bytes that answer the host's `run` message
  bool refuse = false;             // start() throws InfraError, as libvirt refusing the domain
  std::function<void()> on_start;  // called as the guest starts (a test's Ctrl-C)
  // Called on every poll with the guest's age (a test's Ctrl-C later on), and with every line
  // the host sends (what the agent would read).
  std::function<void(std::chrono::milliseconds)> on_poll;
  std::function<void(const std::string&)> on_send;
  // Non-empty: description() throws this (std::runtime_error), a failure no runner expects.
  std::string description_error;
};

class FakeGuest : public Guest {
 public:
  FakeGuest(GuestScript script, std::atomic<int>* alive, std::atomic<int>* polls,
            const Clock& clock, std::chrono::milliseconds max_wait)
      : steps_(std::move(script.steps)),
        on_run_(std::move(script.on_run)),
        description_error_(std::move(script.description_error)),
        on_poll_(std::move(script.on_poll)),
        on_send_(std::move(script.on_send)),
        alive_(alive),
        polls_(polls),
        clock_(clock),
        max_wait_(max_wait),
        start_(clock.now()) {
    ++*alive_;
  }
  ~FakeGuest() override { destroy(std::chrono::seconds(0)); }
  std::string description() const override {
    if (!description_error_.empty()) throw std::runtime_error(description_error_);
    return "<domain/>";
  }
  GuestOutput poll(std::chrono::milliseconds wait) override {
    clock_.sleep_for(std::min(wait, max_wait_));
    GuestOutput out;
    auto now = clock_.now() - start_;
    if (on_poll_) on_poll_(std::chrono::duration_cast<std::chrono::milliseconds>(now));
    while (next_ < steps_.size() && steps_[next_].at <= now) {
      out.console += steps_[next_].console;
      out.channel += steps_[next_].channel;
      if (steps_[next_].power_off) off_ = true;
      if (steps_[next_].close_streams) closed_ = true;
      if (steps_[next_].state) {
        state_ = steps_[next_].state;
        state_detail_ = steps_[next_].state_detail;
      }
      ++next_;
    }
    out.channel += std::exchange(pending_, "");
    out.console_closed = out.channel_closed = closed_;
    ++*polls_;
    return out;
  }
  bool send_channel(const std::string& data) override {
    received += data;
    if (on_send_) on_send_(data);
    if (data.find("\"run\"") != std::string::npos) pending_ += on_run_;
    return true;
  }
  GuestState state() override {
    if (off_ || destroyed_) return GuestState::Shutoff;
    return state_.value_or(GuestState::Running);
  }
  std::string state_detail() override { return state_detail_; }
  std::string exit_detail() override { return "qemu said bye"; }
  void destroy(std::chrono::seconds) override {
    if (!destroyed_) --*alive_;
    destroyed_ = true;
  }
  std::string received;

 private:
  std::vector<Step> steps_;
  std::string on_run_;
  std::string description_error_;
  std::function<void(std::chrono::milliseconds)> on_poll_;
  std::function<void(const std::string&)> on_send_;
  std::atomic<int>* alive_;
  std::atomic<int>* polls_;
  const Clock& clock_;
  std::chrono::milliseconds max_wait_;
  Clock::time_point start_;
  size_t next_ = 0;
  bool off_ = false;
  bool destroyed_ = false;
  bool closed_ = false;
  std::optional<GuestState> state_;
  std::string state_detail_;
  std::string pending_;
};

// Guests by name (scripts), else the default script (steps, on_run). Safe for a pool's threads.
class FakeBackend : public Backend {
 public:
  explicit FakeBackend(const Clock& clock = steady_clock(),
                       std::chrono::milliseconds max_wait = std::chrono::milliseconds(5))
      : clock_(clock), max_wait_(max_wait) {}
  std::vector<Step> steps;
  std::string on_run;
  std::map<std::string, GuestScript> scripts;  // by GuestSpec::name
  std::atomic<int> alive{0};
  std::atomic<int> polls{0};
  int swept = 0;  // what sweep_stale_guests() reports

  std::unique_ptr<Guest> start(const GuestSpec& spec) override {
    GuestScript script{steps, on_run};
    {
      std::lock_guard lock(mutex_);
      last_spec = spec;
      started.push_back(spec.name);
      if (auto it = scripts.find(spec.name); it != scripts.end()) script = it->second;
    }
    if (script.on_start) script.on_start();
    if (script.refuse) throw InfraError("fake hypervisor refused " + spec.name);
    return std::make_unique<FakeGuest>(std::move(script), &alive, &polls, clock_, max_wait_);
  }
  int sweep_stale_guests() override { return swept; }
  std::string uri() const override { return "fake:///"; }
  GuestSpec last_spec;
  std::vector<std::string> started;  // guest names, in start order

 private:
  const Clock& clock_;
  std::chrono::milliseconds max_wait_;
  std::mutex mutex_;
};

}  // namespace fuselab::testing

namespace fuselab::testing {

// Hands the plan runner (which owns its backend) a backend the test keeps and inspects.
class BackendRef : public Backend {
 public:
  explicit BackendRef(Backend& backend) : backend_(backend) {}
  std::unique_ptr<Guest> start(const GuestSpec& spec) override { return backend_.start(spec); }
  int sweep_stale_guests() override { return backend_.sweep_stale_guests(); }
  std::string uri() const override { return backend_.uri(); }

 private:
  Backend& backend_;
};

}  // namespace fuselab::testing
