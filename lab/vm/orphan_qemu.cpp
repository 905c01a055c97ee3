#include "vm/orphan_qemu.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "common/paths.h"
#include "common/unique_fd.h"

namespace fs = std::filesystem;

namespace fuselab {
namespace {

// The pid in a libvirt pid file, if that process is QEMU running guest `name` (pids get reused).
pid_t qemu_pid_of(const fs::path& pid_file, const std::string& name) {
  std::string text = read_file_or_empty(pid_file);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  if (text.empty() || text.size() > 9 || text.find_first_not_of("0123456789") != std::string::npos)
    return 0;
  pid_t pid = static_cast<pid_t>(std::stol(text));
  std::string cmdline = read_file_or_empty("/proc/" + text + "/cmdline");
  if (cmdline.find("qemu") == std::string::npos || cmdline.find(name) == std::string::npos)
    return 0;
  return pid;
}

bool gone(pid_t pid) {
  // A zombie is gone for our purpose: its memory and files are released.
  std::string stat = read_file_or_empty("/proc/" + std::to_string(pid) + "/stat");
  auto close = stat.rfind(')');
  return stat.empty() ||
         (close != std::string::npos && close + 2 < stat.size() && stat[close + 2] == 'Z');
}

}  // namespace

pid_t embed_root_holder(const fs::path& root) {
  UniqueFd fd(::open((root / "run" / "qemu" / "driver.pid").c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return 0;
  struct flock fl {};
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  if (::fcntl(fd.get(), F_GETLK, &fl) != 0) return 0;
  return fl.l_type == F_UNLCK ? 0 : fl.l_pid;
}

std::vector<OrphanGuest> kill_orphaned_guests(const fs::path& embed_parent) {
  std::vector<OrphanGuest> killed;
  std::error_code ec;
  for (const auto& slot : fs::directory_iterator(embed_parent, ec)) {
    const fs::path state = slot.path() / "run" / "qemu";
    if (!fs::is_directory(state) || embed_root_holder(slot.path()) != 0) continue;
    std::error_code sec;
    for (const auto& e : fs::directory_iterator(state, sec)) {
      if (e.path().extension() != ".pid" || e.path().stem() == "driver") continue;
      const std::string name = e.path().stem().string();
      pid_t pid = qemu_pid_of(e.path(), name);
      // Checked again per guest: a fuselab that opened the slot meanwhile owns what is there.
      if (embed_root_holder(slot.path()) != 0) break;
      if (pid > 0) {
        ::kill(pid, SIGKILL);
        for (int i = 0; i < 100 && !gone(pid); ++i)
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        killed.push_back({slot.path(), name, pid});
      }
      // The domain's state goes too: a driver opening this root later must not find it.
      std::error_code rec;
      fs::remove(e.path(), rec);
      fs::remove(state / (name + ".xml"), rec);
      // Its private dir (monitor socket, master key): lib/qemu/domain-<id>-<name, cut to 20>.
      // Appended: `"x" + std::string&&` is a false -Wrestrict at -O3 in GCC 12 (GCC bug 105329).
      const std::string suffix = std::string("-").append(name, 0, 20);
      for (const auto& d : fs::directory_iterator(slot.path() / "lib" / "qemu", rec)) {
        const std::string dn = d.path().filename().string();
        if (dn.starts_with("domain-") && dn.ends_with(suffix)) fs::remove_all(d.path(), rec);
      }
    }
  }
  return killed;
}

}  // namespace fuselab
