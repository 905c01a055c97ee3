// Makes this process the reaper of the daemons it starts indirectly, and reaps them promptly.
//
// Why: the embedded QEMU driver daemonizes QEMU, so when the guest stops QEMU is reparented to
// whoever reaps orphans. libvirt then polls kill(pid, 0) until the process is gone, and a zombie
// still answers: where pid 1 reaps slowly (containers, CI sandboxes) every guest stop took 2 s
// more than QEMU needed. As a child subreaper we get those orphans ourselves and reap them at once.
//
// Only QEMU zombies outside our session are reaped: daemons call setsid(), while the children we
// or libvirt fork directly stay in our session and are waited for by whoever forked them, except
// libvirt's daemonizing fork, which calls setsid() too and is told apart by its name.
#pragma once

#include <atomic>
#include <thread>

namespace fuselab {

class DaemonReaper {
 public:
  DaemonReaper();
  ~DaemonReaper();
  DaemonReaper(const DaemonReaper&) = delete;
  DaemonReaper& operator=(const DaemonReaper&) = delete;

  // One pass: reaps qualifying zombies, returns how many.
  static int reap_once();

 private:
  std::atomic<bool> running_{true};
  std::thread thread_;
};

}  // namespace fuselab
