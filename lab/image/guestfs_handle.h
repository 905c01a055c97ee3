// Owner of a libguestfs handle. Every failed call becomes an InfraError carrying
// guestfs_last_error, and a watchdog kills the appliance when the deadline passes, so a wedged
// appliance turns into an error instead of a hang (libguestfs calls have no timeout of their own).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>

struct guestfs_h;

namespace fuselab {

class GuestfsHandle {
 public:
  // Backend "direct" and backend settings "force_tcg" unless LIBGUESTFS_BACKEND /
  // LIBGUESTFS_BACKEND_SETTINGS are set in the environment (set the latter to "" where KVM works).
  // The appliance kernel is set up by configure_guestfs_appliance() first.
  explicit GuestfsHandle(std::chrono::seconds deadline);
  ~GuestfsHandle();
  GuestfsHandle(const GuestfsHandle&) = delete;
  GuestfsHandle& operator=(const GuestfsHandle&) = delete;

  guestfs_h* get() const { return g_; }
  // Throws InfraError("<what>: <last error>") when `status` is -1 (libguestfs' failure value).
  void check(int status, const std::string& what) const;
  // Launches the appliance and arms the watchdog on its qemu process.
  void launch();
  // Unmounts, syncs and shuts the appliance down, reporting write-back errors (close() alone
  // would swallow them).
  void shutdown();

 private:
  void watchdog_loop(std::chrono::steady_clock::time_point deadline);

  guestfs_h* g_ = nullptr;
  std::atomic<int> qemu_pid_{0};
  std::atomic<bool> expired_{false};
  std::mutex mutex_;
  std::condition_variable done_cv_;
  bool done_ = false;
  std::thread watchdog_;
};

// Makes libguestfs usable on a host without a kernel of its own in /boot (containers, CI): points
// supermin at a Debian cloud kernel from the fuselab cache (unless SUPERMIN_KERNEL is already set)
// and gives libguestfs a cache dir per kernel. Idempotent; call before creating a handle.
void configure_guestfs_appliance();

}  // namespace fuselab
