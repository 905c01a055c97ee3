#include "vm/libvirt_backend.h"

#include <libvirt/virterror.h>
#include <pwd.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstdlib>
#include <vector>

#include "common/error.h"
#include "common/paths.h"
#include "vm/domain_xml.h"
#include "vm/libvirt_guest.h"
#include "vm/orphan_qemu.h"

namespace fs = std::filesystem;

namespace fuselab {
namespace {

constexpr int kEmbedSlots = 8;

// Debian builds libvirt with this compiled-in default QEMU user; the embedded driver looks it up
// before it reads qemu.conf, so it must exist even though our qemu.conf says root.
constexpr const char* kLibvirtQemuUser = "libvirt-qemu";

// The connection's canonical URI (an alias resolved), or `fallback`.
std::string canonical_uri(virConnectPtr conn, const std::string& fallback) {
  char* uri = virConnectGetURI(conn);
  if (!uri) return fallback;
  std::string out = uri;
  free(uri);
  return out;
}

// A daemon on this host ("qemu:///system", "qemu+unix:///session?socket=..."): the files we hand
// it are the files it sees. A remote one (qemu+ssh://host/system) must find them on its host.
bool is_local_uri(const std::string& uri) {
  size_t sep = uri.find("://");
  return sep != std::string::npos && uri.compare(sep + 3, 1, "/") == 0;
}

// Where a local daemon's QEMU driver writes NAME.log: the system daemon under /var/log, a user's
// session daemon under its cache dir.
std::vector<fs::path> daemon_log_dirs() {
  std::vector<fs::path> dirs = {"/var/log/libvirt/qemu"};
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  const char* home = std::getenv("HOME");
  if (xdg && *xdg)
    dirs.push_back(fs::path(xdg) / "libvirt" / "qemu" / "log");
  else if (home && *home)
    dirs.push_back(fs::path(home) / ".cache" / "libvirt" / "qemu" / "log");
  return dirs;
}

}  // namespace

void write_embedded_qemu_conf(const fs::path& root) {
  write_file_atomic(root / "etc" / "qemu.conf",
                    "# written by fuselab: the embedded driver runs QEMU as the calling user\n"
                    "user = \"root\"\n"
                    "group = \"root\"\n"
                    "dynamic_ownership = 0\n"
                    "remember_owner = 0\n"
                    "security_driver = \"none\"\n"
                    "stdio_handler = \"file\"\n");
}

LibvirtBackend::LibvirtBackend(const std::string& uri, const fs::path& embed_parent) {
  if (!uri.empty()) {
    uri_ = uri;
    conn_.reset(virConnectOpen(uri.c_str()));
    if (!conn_) {
      throw UserError(
          "cannot connect to libvirt at '" + uri + "': " + libvirt_error(),
          "check that the URI is right and its daemon runs (or omit --connect to use the "
          "embedded driver)");
    }
    local_daemon_ = is_local_uri(canonical_uri(conn_.get(), uri));
    if (local_daemon_) {
      // Who the daemon runs QEMU as: its DAC security model says (qemu.conf's user and group).
      std::optional<QemuUser> user;
      if (char* caps = virConnectGetCapabilities(conn_.get())) {
        std::string xml = caps;
        free(caps);
        user = qemu_user_from_capabilities(xml, "qemu");
        if (!user) user = qemu_user_from_capabilities(xml, "kvm");
      }
      access_ = QemuFileAccess(user, uri_);
      if (std::string problem = access_.kvm_problem(); !problem.empty())
        spdlog::warn("{}", problem);
    }
    spdlog::debug("libvirt: connected to {}", uri_);
    return;
  }
  if (::getpwnam(kLibvirtQemuUser) == nullptr) {
    throw UserError(std::string("libvirt's embedded QEMU driver needs the system user '") +
                        kLibvirtQemuUser + "'",
                    "create it: useradd --system --user-group --no-create-home libvirt-qemu "
                    "(ci/setup does this)");
  }
  std::string first_error;
  // A process gets one try: after a failed open, libvirt refuses every other root ("driver
  // already initialized"). So the slot is claimed first, with our own lock (atomic among
  // fuselabs), and skipped when libvirt's driver lock says an older fuselab holds it.
  for (int slot = 0; slot < kEmbedSlots && !conn_; ++slot) {
    fs::path root = embed_parent / std::to_string(slot);
    auto claim = FileLock::try_lock(embed_parent / (std::to_string(slot) + ".claim"));
    if (!claim || embed_root_holder(root) != 0) continue;
    slot_claim_ = std::move(claim);
    write_embedded_qemu_conf(root);
    std::string candidate = "qemu:///embed?root=" + root.string();
    conn_.reset(virConnectOpen(candidate.c_str()));
    if (conn_) {
      uri_ = candidate;
      embed_root_ = root;
    } else {
      first_error = libvirt_error();
      break;  // see above: no other root can be opened now
    }
  }
  if (!conn_) {
    if (first_error.empty()) {
      first_error =
          "all " + std::to_string(kEmbedSlots) + " slots are in use by other fuselab runs";
    }
    throw InfraError("libvirt: cannot open the embedded QEMU driver in " + embed_parent.string() +
                     ": " + first_error);
  }
  spdlog::debug("libvirt: connected to {}", uri_);
}

LibvirtBackend::~LibvirtBackend() = default;

std::unique_ptr<Guest> LibvirtBackend::start(const GuestSpec& spec) {
  // When we hand the disk to QEMU's user ourselves, libvirt must leave its labels alone.
  const bool own_labels = access_.owns_disk_labels() && fs::exists(spec.disk);
  if (own_labels) access_.own_disk(spec.disk);
  std::string xml = domain_xml(spec, own_labels);
  // AUTODESTROY: with a daemon, the guest dies with our connection even if we crash. The embedded
  // driver refuses it; there sweep_stale_guests() cleans up after a crash instead.
  unsigned flags = VIR_DOMAIN_START_PAUSED | (embedded() ? 0 : VIR_DOMAIN_START_AUTODESTROY);
  VirDomain domain(virDomainCreateXML(conn_.get(), xml.c_str(), flags));
  if (!domain) {
    virErrorPtr err = virGetLastError();
    const bool denied = err && err->code == VIR_ERR_SYSTEM_ERROR && err->int1 == EACCES;
    std::string why = libvirt_error();
    // A permission problem stays one on every retry: say so at once instead of retrying.
    if (denied) {
      throw UserError("libvirt: cannot start guest " + spec.name + ": " + why,
                      "the daemon's QEMU (see 'user' in its qemu.conf) must be able to open the "
                      "guest's kernel, initrd and disk; omit --connect to use the embedded driver");
    }
    throw InfraError("libvirt: cannot start guest " + spec.name + ": " + why);
  }
  fs::path qemu_log;
  bool remove_log = false;
  if (embedded()) {
    qemu_log = embed_root_ / "log" / "qemu" / (spec.name + ".log");
  } else if (local_daemon_) {
    // A daemon keeps one log per guest name for good; ours are unique per attempt, so each is
    // removed once its guest is gone (exit_detail() has read what matters by then).
    for (const auto& dir : daemon_log_dirs()) {
      std::error_code ec;
      if (fs::exists(dir / (spec.name + ".log"), ec)) {
        qemu_log = dir / (spec.name + ".log");
        remove_log = true;
        break;
      }
    }
  }
  return std::make_unique<LibvirtGuest>(conn_.get(), std::move(domain), std::move(xml), qemu_log,
                                        remove_log, spec.shell_console);
}

int LibvirtBackend::sweep_stale_guests() {
  // Only an embedded root is ours alone (libvirt locks it): every guest found there was left by an
  // earlier fuselab that died. On a shared daemon AUTODESTROY already ended our old guests, and
  // other guests are not ours to touch.
  if (!embedded()) return 0;
  virDomainPtr* domains = nullptr;
  int n = virConnectListAllDomains(conn_.get(), &domains, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
  int swept = 0;
  for (int i = 0; i < n; ++i) {
    VirDomain domain(domains[i]);
    spdlog::warn("destroying guest {} left behind by an earlier run",
                 virDomainGetName(domain.get()));
    if (virDomainDestroy(domain.get()) == 0) ++swept;
  }
  free(domains);
  return swept;
}

}  // namespace fuselab
