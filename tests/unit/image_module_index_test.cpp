// Module load order for the initramfs: dependencies first, each once, built-ins skipped.
#include <gtest/gtest.h>

#include "common/error.h"
#include "image/module_index.h"

namespace fuselab {
namespace {

// Shaped like a Debian 6.1 cloud kernel's depmod output.
constexpr const char* kDep = R"(kernel/fs/fuse/fuse.ko:
kernel/fs/fuse/virtiofs.ko: kernel/drivers/virtio/virtio_ring.ko kernel/drivers/virtio/virtio.ko kernel/fs/fuse/fuse.ko
kernel/drivers/virtio/virtio.ko:
kernel/drivers/virtio/virtio_ring.ko:
kernel/drivers/virtio/virtio_pci_modern_dev.ko:
kernel/drivers/virtio/virtio_pci_legacy_dev.ko:
kernel/drivers/virtio/virtio_pci.ko: kernel/drivers/virtio/virtio_pci_legacy_dev.ko kernel/drivers/virtio/virtio_pci_modern_dev.ko kernel/drivers/virtio/virtio_ring.ko kernel/drivers/virtio/virtio.ko
kernel/drivers/char/hw_random/virtio-rng.ko.xz: kernel/drivers/virtio/virtio_ring.ko kernel/drivers/virtio/virtio.ko
kernel/drivers/block/virtio_blk.ko: kernel/drivers/virtio/virtio_ring.ko kernel/drivers/virtio/virtio.ko
kernel/arch/x86/crypto/crc32c-intel.ko:
kernel/fs/btrfs/btrfs.ko:
)";
constexpr const char* kBuiltin = "kernel/fs/ext4/ext4.ko\nkernel/fs/jbd2/jbd2.ko\n";

TEST(ModuleIndex, NamesFromPaths) {
  EXPECT_EQ(module_name_from_path("kernel/drivers/char/hw_random/virtio-rng.ko.xz"), "virtio_rng");
  EXPECT_EQ(module_name_from_path("kernel/fs/fuse/fuse.ko"), "fuse");
  EXPECT_EQ(module_name_from_path("crc32c-intel.ko.zst"), "crc32c_intel");
}

TEST(ModuleIndex, DependenciesFirstEachOnceBuiltinsSkipped) {
  ModuleIndex index(kDep, kBuiltin);
  auto order = index.load_order({"virtio_pci", "virtio_blk", "fuse", "ext4", "virtio-rng"});
  std::vector<std::string> expected = {
      "kernel/drivers/virtio/virtio_pci_legacy_dev.ko",
      "kernel/drivers/virtio/virtio_pci_modern_dev.ko",
      "kernel/drivers/virtio/virtio_ring.ko",
      "kernel/drivers/virtio/virtio.ko",
      "kernel/drivers/virtio/virtio_pci.ko",
      "kernel/drivers/block/virtio_blk.ko",
      "kernel/fs/fuse/fuse.ko",
      "kernel/drivers/char/hw_random/virtio-rng.ko.xz",
  };
  EXPECT_EQ(order, expected);
  EXPECT_TRUE(index.is_builtin("ext4"));
}

TEST(ModuleIndex, MissingModuleFailsUnlessOptional) {
  ModuleIndex index(kDep, kBuiltin);
  EXPECT_THROW(index.load_order({"virtio_console"}), InfraError);
  EXPECT_TRUE(index.load_order({"virtio_console?"}).empty());
  EXPECT_TRUE(index.load_order({"ext4?"}).empty());  // built in: nothing to load
}

TEST(ModuleIndex, SoftPreDependenciesResolvedByNameOrAlias) {
  ModuleIndex index(kDep, "", "softdep virtiofs pre: crc32c post: btrfs\n",
                    "alias crc32c crc32c_intel\nalias pci:v00001AF4d*sv*sd*bc*sc*i* virtio_pci\n");
  auto order = index.load_order({"virtiofs"});
  ASSERT_EQ(order.size(), 5u);
  EXPECT_EQ(order.front(), "kernel/arch/x86/crypto/crc32c-intel.ko");  // soft pre first
  EXPECT_EQ(order.back(), "kernel/fs/fuse/virtiofs.ko");
  for (const auto& path : order)
    EXPECT_EQ(path.find("btrfs"), std::string::npos);  // post: not loaded
}

TEST(ModuleIndex, UnknownDependencyIsAnError) {
  ModuleIndex index("kernel/a.ko: kernel/b.ko\n", "");
  EXPECT_THROW(index.load_order({"a"}), InfraError);
}

}  // namespace
}  // namespace fuselab
