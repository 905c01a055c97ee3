// Handing guest files to a daemon's QEMU user (libvirt-qemu) on this host, for real: the checks run
// as that user (fork + setuid), the files are staged with real links, copies and ownership.
#include <grp.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "common/error.h"
#include "common/paths.h"
#include "vm/qemu_access.h"

namespace fs = std::filesystem;

namespace fuselab {
namespace {

// The user ci/setup creates (Debian's libvirt-daemon-system does too), else nobody.
std::optional<QemuUser> other_user() {
  for (const char* name : {"libvirt-qemu", "nobody"}) {
    if (struct passwd* pw = ::getpwnam(name)) return QemuUser{pw->pw_uid, pw->pw_gid, name};
  }
  return std::nullopt;
}

struct stat stat_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st;
}

class QemuAccessHost : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: it changes ownership and setuid()s to check";
    user_ = other_user();
    if (!user_) GTEST_SKIP() << "no libvirt-qemu or nobody user on this host";
    // A private source dir (mode 700, like /root) and a public parent for the work dir.
    fs::create_directories(src_.path() / "cache");
    ::chmod(src_.path().c_str(), 0700);
    ::chmod(pub_.path().c_str(), 0755);
    write_file_atomic(src_.path() / "cache" / "vmlinuz", "kernel bytes");
    write_file_atomic(src_.path() / "cache" / "base.qcow2", "base bytes");
    ::chmod((src_.path() / "cache" / "vmlinuz").c_str(), 0644);
    ::chmod((src_.path() / "cache" / "base.qcow2").c_str(), 0644);
    work_ = pub_.path() / "work";
    fs::create_directory(work_);
    ::chmod(work_.c_str(), 0700);  // as mkdtemp leaves it
  }

  TempDir src_{fs::temp_directory_path(), "fuselab-qa-src-"};
  TempDir pub_{"/var/tmp", "fuselab-qa-pub-"};
  fs::path work_;
  std::optional<QemuUser> user_;
};

TEST_F(QemuAccessHost, CacheInAPrivateDirIsUnreadableAsQemuUntilStaged) {
  const fs::path kernel = src_.path() / "cache" / "vmlinuz";
  const fs::path base = src_.path() / "cache" / "base.qcow2";
  EXPECT_EQ(open_errno_as(*user_, kernel), EACCES);
  EXPECT_EQ(open_errno_as(QemuUser{0, 0, "root"}, kernel), 0);

  QemuFileAccess access(user_, "qemu:///test");
  ASSERT_TRUE(access.needed());
  EXPECT_TRUE(access.owns_disk_labels());
  access.prepare_dir(work_);
  struct stat dir = stat_of(work_);
  EXPECT_EQ(dir.st_mode & 07777, 0750u);  // reachable by QEMU's group, writable by nobody else
  EXPECT_EQ(dir.st_gid, user_->gid);

  const struct stat base_before = stat_of(base);
  fs::path staged_kernel = access.share(kernel, work_, false);
  fs::path staged_base = access.share(base, work_, true);
  EXPECT_EQ(staged_kernel.parent_path(), work_);
  EXPECT_EQ(open_errno_as(*user_, staged_kernel), 0);
  EXPECT_EQ(open_errno_as(*user_, staged_base), 0);
  EXPECT_EQ(read_file(staged_kernel), "kernel bytes");
  // The kernel is a copy for QEMU's group; the base a link to the very same, untouched file.
  struct stat k = stat_of(staged_kernel);
  EXPECT_NE(k.st_ino, stat_of(kernel).st_ino);
  EXPECT_EQ(k.st_mode & 07777, 0640u);
  EXPECT_EQ(k.st_gid, user_->gid);
  struct stat b = stat_of(staged_base);
  EXPECT_EQ(b.st_ino, base_before.st_ino);
  EXPECT_EQ(b.st_uid, base_before.st_uid);
  EXPECT_EQ(b.st_mode, base_before.st_mode);
  // Asked again, the same staged file.
  EXPECT_EQ(access.share(kernel, work_, false), staged_kernel);

  // The overlay becomes QEMU's user's, as libvirt's dynamic ownership would make it.
  write_file_atomic(work_ / "fl-x.qcow2", "overlay");
  access.own_disk(work_ / "fl-x.qcow2");
  struct stat o = stat_of(work_ / "fl-x.qcow2");
  EXPECT_EQ(o.st_uid, user_->uid);
  EXPECT_EQ(o.st_mode & 07777, 0600u);
}

TEST_F(QemuAccessHost, UnreadableBaseIsCopiedNotLinked) {
  const fs::path base = src_.path() / "cache" / "base.qcow2";
  ::chmod(base.c_str(), 0600);
  QemuFileAccess access(user_, "qemu:///test");
  access.prepare_dir(work_);
  fs::path staged = access.share(base, work_, true);
  EXPECT_NE(stat_of(staged).st_ino, stat_of(base).st_ino);
  EXPECT_EQ(stat_of(base).st_mode & 07777, 0600u);  // the cache's file is left as it was
  EXPECT_EQ(open_errno_as(*user_, staged), 0);
}

TEST_F(QemuAccessHost, WorkDirQemuCannotReachIsAUserErrorNamingPathAndUser) {
  fs::path hidden = src_.path() / "work";  // below the private dir
  fs::create_directory(hidden);
  QemuFileAccess access(user_, "qemu:///test");
  try {
    access.prepare_dir(hidden);
    FAIL() << "no error";
  } catch (const UserError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find(hidden.string()), std::string::npos) << what;
    EXPECT_NE(what.find(user_->name), std::string::npos) << what;
    EXPECT_NE(what.find("Permission denied"), std::string::npos) << what;
    // The directory to fix is named: the private one, not the work dir below it.
    EXPECT_NE(what.find("may not enter " + src_.path().string() + ")"), std::string::npos) << what;
    EXPECT_NE(e.hint().find("FUSELAB_WORK_DIR"), std::string::npos) << e.hint();
  }
}

// A QEMU user without /dev/kvm makes libvirt re-probe QEMU at every guest start: said, with the
// fix.
TEST(QemuAccessKvm, QemuUserWithoutDevKvmIsReportedWithTheFix) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root: it checks access as another user";
  if (!fs::exists("/dev/kvm")) GTEST_SKIP() << "no /dev/kvm on this host";
  struct passwd* nobody = ::getpwnam("nobody");
  ASSERT_NE(nobody, nullptr);
  QemuFileAccess as_nobody(QemuUser{nobody->pw_uid, nobody->pw_gid, "nobody"}, "qemu:///test");
  std::string problem = as_nobody.kvm_problem();
  EXPECT_NE(problem.find("cannot open /dev/kvm"), std::string::npos) << problem;
  EXPECT_NE(problem.find("gpasswd -a nobody kvm"), std::string::npos) << problem;
  EXPECT_EQ(QemuFileAccess(QemuUser{0, 0, "root"}).kvm_problem(), "");
}

}  // namespace
}  // namespace fuselab
