#include "image/guestfs_handle.h"

#include <guestfs.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>

#include "common/error.h"
#include "common/paths.h"
#include "image/apt_sources.h"
#include "image/artifacts.h"

namespace fs = std::filesystem;

namespace fuselab {
namespace {

bool env_set(const char* name) { return std::getenv(name) != nullptr; }

std::mutex appliance_mutex;
fs::path appliance_cachedir;

}  // namespace

void configure_guestfs_appliance() {
  std::lock_guard lock(appliance_mutex);
  if (!appliance_cachedir.empty()) return;
  if (!env_set("SUPERMIN_KERNEL")) {
    // The host's own release: its libguestfs appliance userland comes from the host's packages,
    // so a kernel of the same release is the one known to fit it. cloud-amd64 has virtio_scsi.
    auto suite = find_debian_archive().host_suite;
    auto kernel = prepare_debian_kernel(suite, "cloud-amd64");
    ::setenv("SUPERMIN_KERNEL", kernel.kernel.c_str(), 1);
    ::setenv("SUPERMIN_MODULES", kernel.modules_dir.c_str(), 1);
    ::setenv("SUPERMIN_KERNEL_VERSION", kernel.release.c_str(), 1);
    appliance_cachedir = cache_dir() / "guestfs" / kernel.release;
  } else {
    appliance_cachedir = cache_dir() / "guestfs" / "host-kernel";
  }
  // supermin copies the host's /lib/modules directory entry into the appliance before the
  // modules themselves and fails with "lstat: /lib/modules" where it does not exist (containers
  // without any kernel). An empty directory is enough; nothing is installed into it.
  std::error_code ec;
  if (!fs::exists("/lib/modules", ec)) {
    spdlog::warn(
        "creating empty /lib/modules: supermin needs it to build the libguestfs appliance");
    fs::create_directories("/lib/modules", ec);
    if (ec) throw InfraError("cannot create /lib/modules for supermin: " + ec.message());
  }
  fs::create_directories(appliance_cachedir);
}

GuestfsHandle::GuestfsHandle(std::chrono::seconds deadline) {
  configure_guestfs_appliance();
  g_ = guestfs_create();
  if (!g_) throw InfraError("libguestfs: cannot create a handle");
  // Errors come back through check(); the default handler would also print them to stderr.
  guestfs_set_error_handler(g_, nullptr, nullptr);
  guestfs_set_trace(g_, 0);
  if (!env_set("LIBGUESTFS_BACKEND")) check(guestfs_set_backend(g_, "direct"), "set backend");
  if (!env_set("LIBGUESTFS_BACKEND_SETTINGS")) {
    const char* settings[] = {"force_tcg", nullptr};
    check(guestfs_set_backend_settings(g_, const_cast<char**>(settings)), "set backend settings");
  }
  {
    std::lock_guard lock(appliance_mutex);
    check(guestfs_set_cachedir(g_, appliance_cachedir.c_str()), "set cachedir");
  }
  auto until = std::chrono::steady_clock::now() + deadline;
  watchdog_ = std::thread([this, until] { watchdog_loop(until); });
}

GuestfsHandle::~GuestfsHandle() {
  {
    std::lock_guard lock(mutex_);
    done_ = true;
  }
  done_cv_.notify_all();
  if (watchdog_.joinable()) watchdog_.join();
  if (g_) guestfs_close(g_);
}

void GuestfsHandle::watchdog_loop(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  if (done_cv_.wait_until(lock, deadline, [this] { return done_; })) return;
  expired_ = true;
  // Killing qemu makes the blocked libguestfs call return an error in the owning thread.
  if (int pid = qemu_pid_.load(); pid > 0) {
    spdlog::error("libguestfs appliance (qemu pid {}) passed its deadline; killing it", pid);
    ::kill(pid, SIGKILL);
  }
}

void GuestfsHandle::check(int status, const std::string& what) const {
  if (status != -1) return;
  const char* error = guestfs_last_error(g_);
  std::string detail = error ? error : "unknown error";
  if (expired_) detail += " (deadline passed, appliance killed)";
  throw InfraError("libguestfs " + what + ": " + detail);
}

void GuestfsHandle::launch() {
  check(guestfs_launch(g_), "launch");
  qemu_pid_ = guestfs_get_pid(g_);
  if (expired_) throw InfraError("libguestfs launch passed its deadline");
}

void GuestfsHandle::shutdown() {
  check(guestfs_umount_all(g_), "umount_all");
  check(guestfs_sync(g_), "sync");
  check(guestfs_shutdown(g_), "shutdown");
}

}  // namespace fuselab
