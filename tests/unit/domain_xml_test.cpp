#include "vm/domain_xml.h"

#include <gtest/gtest.h>

namespace fuselab {
namespace {

TEST(DomainXml, DirectKernelBootWithConsoleChannelAndEscapedValues) {
  GuestSpec spec{
      "fl-x-cell", "/k/vmlinuz",    "/k/initrd&<x>", "console=ttyS0 a='b'", "/o/disk.qcow2", 512,
      2,           Accelerator::Tcg};
  std::string xml = domain_xml(spec);
  EXPECT_NE(xml.find("<domain type='qemu'>"), std::string::npos);
  EXPECT_NE(xml.find("<initrd>/k/initrd&amp;&lt;x&gt;</initrd>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<cmdline>console=ttyS0 a=&#39;b&#39;</cmdline>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<memory unit='MiB'>512</memory>"), std::string::npos);
  EXPECT_NE(xml.find(std::string("name='") + protocol::kPortName + "'"), std::string::npos);
  EXPECT_NE(xml.find("<on_reboot>destroy</on_reboot>"), std::string::npos);
  EXPECT_EQ(xml.find("host-passthrough"), std::string::npos);
  spec.accel = Accelerator::Kvm;
  EXPECT_NE(domain_xml(spec).find("<cpu mode='host-passthrough'/>"), std::string::npos);
}

TEST(DomainXml, TheShellConsoleIsAVirtioConsoleOnlyWhenAsked) {
  GuestSpec spec{"fl-x", "/k", "/i", "console=ttyS0", "/d", 512, 2, Accelerator::Tcg};
  EXPECT_EQ(domain_xml(spec).find("<target type='virtio'/></console>"), std::string::npos);
  spec.shell_console = true;
  std::string xml = domain_xml(spec);
  auto serial = xml.find("<target type='serial' port='0'/></console>");
  auto shell = xml.find("<console type='pty'><target type='virtio'/></console>");
  ASSERT_NE(shell, std::string::npos) << xml;
  EXPECT_LT(serial, shell) << "the serial console must stay the first (console0, the kernel's)";
}

}  // namespace
}  // namespace fuselab
