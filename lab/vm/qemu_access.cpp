#include "vm/qemu_access.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

#include "common/error.h"
#include "common/hash.h"

namespace fs = std::filesystem;

namespace fuselab {
namespace {

// "+999:+995" (libvirt's DAC label; the '+' marks numeric ids) -> ids.
bool parse_dac_label(std::string_view label, uid_t& uid, gid_t& gid) {
  auto number = [](std::string_view text, unsigned long& out) {
    if (!text.empty() && text.front() == '+') text.remove_prefix(1);
    if (text.empty()) return false;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size();
  };
  size_t colon = label.find(':');
  if (colon == std::string_view::npos) return false;
  unsigned long u = 0, g = 0;
  if (!number(label.substr(0, colon), u) || !number(label.substr(colon + 1), g)) return false;
  if (u > 0xfffffffeUL || g > 0xfffffffeUL) return false;
  uid = static_cast<uid_t>(u);
  gid = static_cast<gid_t>(g);
  return true;
}

std::string user_name(uid_t uid) {
  struct passwd pw {
  }, *found = nullptr;
  char buf[4096];
  if (::getpwuid_r(uid, &pw, buf, sizeof buf, &found) == 0 && found) return found->pw_name;
  return "uid " + std::to_string(uid);
}

bool readable_by_mode(const struct stat& st, const QemuUser& user) {
  if (st.st_uid == user.uid) return st.st_mode & S_IRUSR;
  if (st.st_gid == user.gid) return st.st_mode & S_IRGRP;
  return st.st_mode & S_IROTH;
}

}  // namespace

std::optional<QemuUser> qemu_user_from_capabilities(const std::string& caps_xml,
                                                    const std::string& virt_type) {
  // libvirt writes this XML itself: a plain scan of its <secmodel> blocks is enough.
  size_t pos = 0;
  while ((pos = caps_xml.find("<secmodel>", pos)) != std::string::npos) {
    size_t end = caps_xml.find("</secmodel>", pos);
    if (end == std::string::npos) break;
    std::string_view block(caps_xml.data() + pos, end - pos);
    pos = end;
    if (block.find("<model>dac</model>") == std::string_view::npos) continue;
    for (const char* quote : {"'", "\""}) {
      std::string open = std::string("<baselabel type=") + quote + virt_type + quote + ">";
      size_t at = block.find(open);
      if (at == std::string_view::npos) continue;
      size_t text = at + open.size();
      size_t close = block.find("</baselabel>", text);
      if (close == std::string_view::npos) continue;
      QemuUser user;
      if (!parse_dac_label(block.substr(text, close - text), user.uid, user.gid)) continue;
      user.name = user_name(user.uid);
      return user;
    }
  }
  return std::nullopt;
}

int open_errno_as(const QemuUser& user, const fs::path& path, int flags) {
  if (::geteuid() != 0) return 0;
  // Everything the child needs is prepared before fork(): after it, only system calls.
  std::vector<gid_t> groups(64);
  int ngroups = static_cast<int>(groups.size());
  struct passwd pw {
  }, *found = nullptr;
  char buf[4096];
  if (::getpwuid_r(user.uid, &pw, buf, sizeof buf, &found) == 0 && found &&
      ::getgrouplist(found->pw_name, user.gid, groups.data(), &ngroups) >= 0) {
    groups.resize(static_cast<size_t>(ngroups));
  } else {
    groups.assign(1, user.gid);
  }
  const std::string target = path.string();
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return errno;
  pid_t pid = ::fork();
  if (pid < 0) {
    int err = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    return err;
  }
  if (pid == 0) {
    int err = 0;
    if (::setgroups(groups.size(), groups.data()) != 0 || ::setgid(user.gid) != 0 ||
        ::setuid(user.uid) != 0) {
      err = EPERM;
    } else {
      int fd = ::open(target.c_str(), flags | O_CLOEXEC | O_NOCTTY);
      if (fd < 0)
        err = errno;
      else
        ::close(fd);
    }
    ssize_t ignored = ::write(fds[1], &err, sizeof err);
    (void)ignored;
    ::_exit(0);
  }
  ::close(fds[1]);
  int err = ETIMEDOUT;  // a hung file system (NFS) must not hang the run
  struct pollfd pfd {
    fds[0], POLLIN, 0
  };
  if (::poll(&pfd, 1, 10000) == 1) {
    int got = 0;
    if (::read(fds[0], &got, sizeof got) == static_cast<ssize_t>(sizeof got))
      err = got;
    else
      err = EIO;
  }
  ::close(fds[0]);
  if (err == ETIMEDOUT) ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  return err;
}

QemuFileAccess::QemuFileAccess(std::optional<QemuUser> user, std::string uri)
    : uri_(std::move(uri)), root_(::geteuid() == 0) {
  if (!user) return;
  user_ = *user;
  needed_ = user_.uid != 0 && user_.uid != ::geteuid();
  if (needed_) {
    spdlog::info("libvirt at {} runs QEMU as {} (uid {}, gid {}): guest files go to the work dir",
                 uri_, user_.name, user_.uid, user_.gid);
  }
}

void QemuFileAccess::check_readable(const fs::path& path) const {
  int err = open_errno_as(user_, path);
  if (err == 0) return;
  // Name the directory that stops it, the one thing to fix (the work dir itself is temporary).
  std::string blocked;
  fs::path prefix;
  for (const auto& part : path.parent_path()) {
    prefix /= part;
    if (open_errno_as(user_, prefix / ".", O_PATH) != 0) {
      blocked = fmt::format(" ({} may not enter {})", user_.name, prefix.string());
      break;
    }
  }
  throw UserError(
      fmt::format("libvirt at {} runs QEMU as user {} (uid {}, gid {}), which cannot "
                  "open {}: {}{}",
                  uri_, user_.name, user_.uid, user_.gid, path.string(), errno_text(err), blocked),
      "set FUSELAB_WORK_DIR to a directory that user can reach (the default is "
      "/var/tmp), or let the daemon run QEMU as root (user = \"root\" in its "
      "qemu.conf), or omit --connect to use the embedded driver");
}

void QemuFileAccess::prepare_dir(const fs::path& dir) {
  if (!needed_) return;
  // Never world-writable: QEMU's user only needs to reach the files, the lab writes them.
  if (root_) {
    if (::chown(dir.c_str(), 0, user_.gid) != 0 || ::chmod(dir.c_str(), 0750) != 0) {
      throw InfraError("cannot hand " + dir.string() + " to group " + std::to_string(user_.gid) +
                       ": " + errno_text(errno));
    }
  } else if (::chmod(dir.c_str(), 0711) != 0) {
    throw InfraError("chmod " + dir.string() + ": " + errno_text(errno));
  }
  check_readable(dir);
}

fs::path QemuFileAccess::share(const fs::path& file, const fs::path& dir, bool shared_read_only) {
  if (!needed_) return file;
  const fs::path source = fs::absolute(file);
  if (auto it = shared_.find(source); it != shared_.end()) return it->second;
  // Distinct sources may share a file name (every kernel is a vmlinuz): prefix a tag of the path.
  const fs::path staged =
      dir / (sha256_hex(source.string()).substr(0, 12) + "-" + source.filename().string());
  struct stat st {};
  if (::stat(source.c_str(), &st) != 0) {
    throw InfraError("cannot stat " + source.string() + ": " + errno_text(errno));
  }
  // A hard link costs nothing and leaves the cache's file as it is: only the base image, which
  // QEMU opens read-only, whose labels we keep libvirt from touching, and only if its mode already
  // lets QEMU's user read it. Anything else is copied with the group's read permission.
  bool linked = shared_read_only && root_ && readable_by_mode(st, user_) &&
                ::link(source.c_str(), staged.c_str()) == 0;
  if (!linked) {
    std::error_code ec;
    fs::copy_file(source, staged, fs::copy_options::overwrite_existing, ec);
    if (ec)
      throw InfraError("cannot copy " + source.string() + " to " + staged.string() + ": " +
                       ec.message());
    bool ok = root_
                  ? ::chown(staged.c_str(), 0, user_.gid) == 0 && ::chmod(staged.c_str(), 0640) == 0
                  : ::chmod(staged.c_str(), 0644) == 0;
    if (!ok)
      throw InfraError("cannot set the mode of " + staged.string() + ": " + errno_text(errno));
  }
  spdlog::debug("{} {} as {}", linked ? "linked" : "copied", source.string(), staged.string());
  check_readable(staged);
  shared_[source] = staged;
  return staged;
}

std::string QemuFileAccess::kvm_problem() const {
  if (!needed_ || !root_ || !fs::exists("/dev/kvm")) return {};
  int err = open_errno_as(user_, "/dev/kvm");
  if (err == 0) return {};
  return fmt::format(
      "libvirt at {} runs QEMU as {}, which cannot open /dev/kvm ({}): libvirt will "
      "probe QEMU again at every guest start (~100 s each on a busy host); add it to "
      "the group of /dev/kvm (gpasswd -a {} kvm) and restart the daemon",
      uri_, user_.name, errno_text(err), user_.name);
}

void QemuFileAccess::own_disk(const fs::path& disk) const {
  if (!owns_disk_labels()) return;
  if (::chown(disk.c_str(), user_.uid, user_.gid) != 0 || ::chmod(disk.c_str(), 0600) != 0) {
    throw InfraError("cannot give " + disk.string() + " to " + user_.name + ": " +
                     errno_text(errno));
  }
}

}  // namespace fuselab
