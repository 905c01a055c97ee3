// Who a libvirt daemon runs QEMU as, read from its capabilities; and the domain XML that keeps
// libvirt from relabelling a disk chain the lab owns.
#include <gtest/gtest.h>
#include <unistd.h>

#include "vm/domain_xml.h"
#include "vm/qemu_access.h"

namespace fuselab {
namespace {

// As Debian 12's libvirtd prints it (no AppArmor on the host: a "none" model comes first).
constexpr const char* kDebianSystemCaps = R"(<capabilities>
  <host>
    <secmodel>
      <model>none</model>
      <doi>0</doi>
    </secmodel>
    <secmodel>
      <model>dac</model>
      <doi>0</doi>
      <baselabel type='kvm'>+999:+995</baselabel>
      <baselabel type='qemu'>+999:+995</baselabel>
    </secmodel>
  </host>
</capabilities>)";

TEST(QemuUser, DebianSystemDaemonRunsQemuAsItsOwnUser) {
  auto user = qemu_user_from_capabilities(kDebianSystemCaps, "qemu");
  ASSERT_TRUE(user);
  EXPECT_EQ(user->uid, 999u);
  EXPECT_EQ(user->gid, 995u);
  EXPECT_FALSE(user->name.empty());
}

TEST(QemuUser, KvmLabelAndDoubleQuotesAreReadToo) {
  auto user = qemu_user_from_capabilities(
      "<secmodel><model>dac</model><baselabel type=\"kvm\">+64055:+108</baselabel></secmodel>",
      "kvm");
  ASSERT_TRUE(user);
  EXPECT_EQ(user->uid, 64055u);
  EXPECT_EQ(user->gid, 108u);
  EXPECT_FALSE(qemu_user_from_capabilities(
      "<secmodel><model>dac</model><baselabel type=\"kvm\">+1:+1</baselabel></secmodel>", "qemu"));
}

TEST(QemuUser, NoDacModelOrABrokenLabelMeansUnknown) {
  EXPECT_FALSE(qemu_user_from_capabilities("<capabilities><host/></capabilities>", "qemu"));
  EXPECT_FALSE(qemu_user_from_capabilities(
      "<secmodel><model>selinux</model><baselabel type='qemu'>system_u:system_r:svirt_t:s0"
      "</baselabel></secmodel>",
      "qemu"));
  for (const char* label : {"+x:+1", "+1", "+1:", ":+1", "+99999999999:+1", "+1:+2 "}) {
    std::string caps = std::string("<secmodel><model>dac</model><baselabel type='qemu'>") + label +
                       "</baselabel></secmodel>";
    EXPECT_FALSE(qemu_user_from_capabilities(caps, "qemu")) << label;
  }
  EXPECT_FALSE(qemu_user_from_capabilities("<secmodel><model>dac</model>", "qemu"));
}

TEST(QemuFileAccess, QemuAsRootOrAsUsOrUnknownUsesFilesInPlace) {
  QemuUser root{0, 0, "root"};
  QemuUser us{::geteuid(), ::getegid(), "us"};
  for (const auto& user :
       {std::optional<QemuUser>(root), std::optional<QemuUser>(us), std::optional<QemuUser>()}) {
    QemuFileAccess access(user, "qemu:///x");
    EXPECT_FALSE(access.needed());
    EXPECT_FALSE(access.owns_disk_labels());
    EXPECT_EQ(access.share("/nonexistent/vmlinuz", "/nonexistent", false), "/nonexistent/vmlinuz");
  }
}

TEST(DomainXml, KeptDiskLabelsTellLibvirtsDacDriverNotToRelabel) {
  GuestSpec spec{"fl-x",       "/k/vmlinuz", "/k/initrd", "console=ttyS0",
                 "/o/d.qcow2", 512,          2,           Accelerator::Tcg};
  EXPECT_EQ(domain_xml(spec).find("seclabel"), std::string::npos);
  std::string xml = domain_xml(spec, true);
  EXPECT_NE(xml.find("<source file='/o/d.qcow2'><seclabel model='dac' relabel='no'/></source>"),
            std::string::npos)
      << xml;
}

}  // namespace
}  // namespace fuselab
