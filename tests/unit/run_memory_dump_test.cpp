// --dump-on-hang's pure parts: the domain XML a dumpable or gdb-attached guest gets, the per-run
// budget, the ELF and kdump signature checks, zero blocks punched out of a dump, the dump_on_hang
// plan field, --dump-format and the --gdb port.
#include <gtest/gtest.h>

#include <fstream>

#include "cli/repro_command.h"
#include "common/error.h"
#include "common/paths.h"
#include "config/plan_loader.h"
#include "matrix/plan.h"
#include "run/cell_runner.h"
#include "run/kdump_flat.h"
#include "run/memory_dump.h"
#include "run/sparse_file.h"
#include "vm/domain_xml.h"

namespace fuselab {
namespace {

GuestSpec spec() {
  return {"fl-x",       "/k/bzImage", "/k/initrd", "console=ttyS0",
          "/o/d.qcow2", 1024,         2,           Accelerator::Tcg};
}

TEST(MemoryDumpXml, VmcoreinfoOnlyWhenDumpsAreAsked) {
  GuestSpec s = spec();
  EXPECT_NE(domain_xml(s).find("<features><acpi/></features>"), std::string::npos);
  EXPECT_EQ(domain_xml(s).find("vmcoreinfo"), std::string::npos);
  s.vmcoreinfo = true;
  EXPECT_NE(domain_xml(s).find("<features><acpi/><vmcoreinfo state='on'/></features>"),
            std::string::npos)
      << domain_xml(s);
}

TEST(MemoryDumpXml, GdbStubOnLoopbackThroughTheQemuNamespace) {
  GuestSpec s = spec();
  EXPECT_EQ(domain_xml(s).find("qemu:"), std::string::npos);
  s.gdb_port = 4321;
  std::string xml = domain_xml(s);
  EXPECT_NE(
      xml.find("<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>"),
      std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<qemu:arg value='-gdb'/>\n    <qemu:arg value='tcp:127.0.0.1:4321'/>"),
            std::string::npos)
      << xml;
  // The namespace block is the domain's last child, after <devices>.
  EXPECT_LT(xml.find("</devices>"), xml.find("<qemu:commandline>"));
}

TEST(MemoryDumpBudget, ReservesWorstCaseAndSettlesOnTheRealSize) {
  constexpr std::uint64_t G = 1ull << 30, plenty = 100 * G;
  DumpBudget budget(3 * G);
  EXPECT_FALSE(budget.reserve(G, plenty));
  EXPECT_FALSE(budget.reserve(G, plenty));
  // Two reserved, a third fits, a fourth does not even though nothing is written yet.
  EXPECT_FALSE(budget.reserve(G, plenty));
  auto no = budget.reserve(G, plenty);
  ASSERT_TRUE(no);
  EXPECT_NE(no->find("dump budget exceeded"), std::string::npos) << *no;
  EXPECT_NE(no->find("--dump-budget"), std::string::npos) << *no;
  // Dumps are smaller than their worst case: what they did not use is free again.
  budget.settle(G, 100 << 20);
  budget.settle(G, 0);  // a failed dump costs nothing
  EXPECT_EQ(budget.used(), 100u << 20);
  EXPECT_FALSE(budget.reserve(G, plenty));
  budget.settle(G, G);
  budget.settle(G, G);
  EXPECT_EQ(budget.used(), 2 * G + (100u << 20));
  EXPECT_TRUE(budget.reserve(G, plenty));
}

TEST(MemoryDumpBudget, ShortDiskIsSkippedWithItsOwnNote) {
  constexpr std::uint64_t G = 1ull << 30;
  DumpBudget budget(100 * G);
  // A dump may need 1 GiB and 1 GiB stays free: 1.5 GiB free is short.
  auto no = budget.reserve(G, G + G / 2);
  ASSERT_TRUE(no);
  EXPECT_NE(no->find("disk short"), std::string::npos) << *no;
  EXPECT_FALSE(budget.reserve(G, 2 * G + 1));
}

TEST(MemoryDumpBudget, DeadlineGrowsWithGuestMemory) {
  EXPECT_EQ(dump_deadline(1024).count(), 120);
  EXPECT_EQ(dump_deadline(1025).count(), 180);
  EXPECT_GT(dump_deadline(8192), dump_deadline(4096));
}

TEST(MemoryDumpFile, KdumpSignature) {
  auto dir = std::filesystem::temp_directory_path();
  auto good = dir / "fuselab-test-kdump", bad = dir / "fuselab-test-elf";
  std::ofstream(good, std::ios::binary) << "KDUMP   " << std::string(64, '\0');
  std::ofstream(bad, std::ios::binary) << "\x7f"
                                          "ELF"
                                       << std::string(64, '\0');
  EXPECT_TRUE(is_kdump_file(good));
  EXPECT_FALSE(is_kdump_file(bad));
  EXPECT_FALSE(is_kdump_file(dir / "fuselab-test-no-such-file"));
  std::filesystem::remove(good);
  std::filesystem::remove(bad);
}

TEST(MemoryDumpFile, ElfCoreSignature) {
  auto dir = std::filesystem::temp_directory_path();
  auto core = dir / "fuselab-test-core", exec = dir / "fuselab-test-exec";
  // e_ident (16 bytes: magic, 64-bit, little-endian, version 1), then e_type: 4 core, 2 exec.
  std::string ident = std::string(
                          "\x7f"
                          "ELF\x02\x01\x01",
                          7) +
                      std::string(9, '\0');
  std::ofstream(core, std::ios::binary)
      << ident << std::string("\x04\x00", 2) << std::string(46, '\0');
  std::ofstream(exec, std::ios::binary)
      << ident << std::string("\x02\x00", 2) << std::string(46, '\0');
  EXPECT_TRUE(is_elf_core(core));
  EXPECT_FALSE(is_elf_core(exec));
  EXPECT_FALSE(is_kdump_file(core));
  EXPECT_FALSE(is_elf_core(dir / "fuselab-test-no-such-file"));
  std::filesystem::remove(core);
  std::filesystem::remove(exec);
}

TEST(MemoryDumpFile, DumpFormatNames) {
  EXPECT_EQ(parse_dump_format("elf"), DumpFormat::Elf);
  EXPECT_EQ(parse_dump_format("kdump"), DumpFormat::Kdump);
  EXPECT_EQ(parse_dump_format("raw"), std::nullopt);
  EXPECT_EQ(parse_dump_format(""), std::nullopt);
}

// A dump-like file: data blocks among long zero runs, a zero block at the very start, and a
// tail shorter than a block. Punching keeps every byte and frees the zero runs.
TEST(MemoryDumpFile, ZeroBlocksArePunchedAndTheBytesKept) {
  auto file = std::filesystem::temp_directory_path() / "fuselab-test-sparse";
  std::string content(4096, '\0');            // block 0: zero
  content += std::string(4096, 'a');          // block 1: data
  content += std::string(64ul * 4096, '\0');  // 64 zero blocks
  content += std::string(100, '\0') + "x";    // a block with one non-zero byte
  content.resize(content.size() + 4096 - 101, '\0');
  content += std::string(300ul * 4096, '\0');  // 300 zero blocks
  content += "tail";                           // shorter than a block
  std::ofstream(file, std::ios::binary) << content;
  const auto before = disk_usage(file);
  ASSERT_GE(before, content.size() / 4096 * 4096);
  const auto freed = punch_zero_blocks(file);
  if (freed == 0) GTEST_SKIP() << "the temp directory's filesystem cannot punch holes";
  EXPECT_EQ(freed, (1u + 64 + 300) * 4096);
  EXPECT_LE(disk_usage(file), before - freed + 4096);
  EXPECT_EQ(std::filesystem::file_size(file), content.size());
  std::ifstream in(file, std::ios::binary);
  std::string back((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(back, content);
  // Once more: the holes are skipped, nothing is left to free.
  EXPECT_EQ(punch_zero_blocks(file), 0u);
  std::filesystem::remove(file);
  EXPECT_THROW(punch_zero_blocks(file), InfraError);
}

std::string be64(std::int64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i, v >>= 8) out[static_cast<size_t>(i)] = static_cast<char>(v & 0xff);
  return out;
}

std::string flat_header() {
  std::string h = "makedumpfile";
  h.resize(16, '\0');
  h += be64(1) + be64(1);
  h.resize(4096, '\0');
  return h;
}

TEST(MemoryDumpFile, FlattenedLayoutBecomesTheFileItDescribes) {
  auto dir = std::filesystem::temp_directory_path();
  auto flat = dir / "fuselab-test-flat", out = dir / "fuselab-test-unflat";
  // Records out of order, as QEMU writes them (the header last): "KDUMP   " at 0, "xy" at 12.
  std::ofstream(flat, std::ios::binary) << flat_header() << be64(12) << be64(2) << "xy" << be64(0)
                                        << be64(8) << "KDUMP   " << be64(-1) << be64(-1);
  EXPECT_TRUE(is_flattened_kdump(flat));
  EXPECT_FALSE(is_kdump_file(flat));
  EXPECT_EQ(unflatten_kdump(flat, out), 14u);
  EXPECT_EQ(read_file(out), std::string("KDUMP   ") + std::string(4, '\0') + "xy");
  EXPECT_TRUE(is_kdump_file(out));
  EXPECT_FALSE(is_flattened_kdump(out));
  // Cut off before its end record, or with a negative size: an error naming the byte.
  std::ofstream(flat, std::ios::binary) << flat_header() << be64(0) << be64(8) << "KDUMP   ";
  try {
    unflatten_kdump(flat, out);
    FAIL() << "no error";
  } catch (const InfraError& e) {
    EXPECT_NE(std::string(e.what()).find("at byte 4120: the stream ends"), std::string::npos)
        << e.what();
  }
  std::ofstream(flat, std::ios::binary) << flat_header() << be64(0) << be64(-5);
  EXPECT_THROW(unflatten_kdump(flat, out), InfraError);
  std::filesystem::remove(flat);
  std::filesystem::remove(out);
}

// A guest whose backend cannot dump: the record says so and no file is left.
class NoDumpGuest : public Guest {
 public:
  std::string description() const override { return {}; }
  GuestOutput poll(std::chrono::milliseconds) override { return {}; }
  bool send_channel(const std::string&) override { return true; }
  GuestState state() override { return GuestState::Running; }
  std::string state_detail() override { return {}; }
  std::string exit_detail() override { return {}; }
  void destroy(std::chrono::seconds) override {}
};

TEST(MemoryDumpFile, FailedDumpIsRecordedAndCostsNoBudget) {
  NoDumpGuest guest;
  DumpBudget budget(8ull << 30);
  auto file = std::filesystem::temp_directory_path() / "fuselab-test-vmcore";
  auto record = take_memory_dump(guest, 1024, DumpFormat::Elf, file, budget, nullptr);
  EXPECT_EQ(record["status"], "failed");
  EXPECT_NE(record["note"].get<std::string>().find("cannot take memory dumps"), std::string::npos);
  EXPECT_EQ(budget.used(), 0u);
  EXPECT_FALSE(std::filesystem::exists(file));
  // Over budget: skipped before the guest is asked.
  DumpBudget tiny(1 << 20);
  record = take_memory_dump(guest, 1024, DumpFormat::Elf, file, tiny, nullptr);
  EXPECT_EQ(record["status"], "skipped");
}

TEST(MemoryDumpPlan, FieldAndFlagDecideWhichCellsDump) {
  Plan plan = parse_plan("cells:\n  - id: a\n    dump_on_hang: true\n  - id: b\n", "p.yaml");
  ASSERT_EQ(plan.cells.size(), 2u);
  DumpBudget budget(1ull << 30);
  CellRunOptions options;
  EXPECT_FALSE(wants_memory_dump(plan.cells[0], options));  // no budget: no dumps at all
  options.dump_budget = &budget;
  EXPECT_TRUE(wants_memory_dump(plan.cells[0], options));
  EXPECT_FALSE(wants_memory_dump(plan.cells[1], options));
  options.dump_on_hang = true;
  EXPECT_TRUE(wants_memory_dump(plan.cells[1], options));
  EXPECT_EQ(cell_spec_json(plan.cells[0])["dump_on_hang"], true);
  EXPECT_FALSE(cell_spec_json(plan.cells[1]).contains("dump_on_hang"));
}

TEST(MemoryDumpPlan, BadFieldNamesFileLineAndKey) {
  try {
    parse_plan("cells:\n  - id: a\n    dump_on_hang: sometimes\n", "p.yaml");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.line(), 3) << e.what();
    EXPECT_EQ(e.key(), "cells[0].dump_on_hang") << e.what();
    EXPECT_NE(std::string(e.what()).find("p.yaml:3"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("not a boolean"), std::string::npos) << e.what();
  }
}

TEST(MemoryDumpCli, GdbPort) {
  EXPECT_EQ(parse_gdb_port(""), 1234u);
  EXPECT_EQ(parse_gdb_port("4321"), 4321u);
  EXPECT_THROW(parse_gdb_port("results/run/cell"), UserError);
  EXPECT_THROW(parse_gdb_port("80"), UserError);
  EXPECT_THROW(parse_gdb_port("70000"), UserError);
}

}  // namespace
}  // namespace fuselab
