// How the KVM probe reads a QEMU run, and tail_lines on the text tools print (or do not print).
#include "vm/accel_probe.h"

#include <gtest/gtest.h>

#include "common/subprocess.h"

namespace fuselab {
namespace {

using namespace std::chrono_literals;

TEST(AccelProbeClassify, BannerMeansKvm) {
  ProbeRun run;
  run.banner = true;
  run.timed_out = true;  // a kernel still printing at the deadline booted all the same
  EXPECT_EQ(classify_probe(run, 6s).accel, Accelerator::Kvm);
}

TEST(AccelProbeClassify, AbortNamesTheMsrError) {
  ProbeRun run;
  run.signal = 6;
  run.errors =
      "qemu-system-x86_64: error: failed to set MSR 0x10a to 0x0\n"
      "qemu-system-x86_64: ../../target/i386/kvm/kvm.c:3029: kvm_buf_set_msrs: Assertion `ret == "
      "cpu->kvm_msr_buf->nmsrs' failed.\n";
  auto choice = classify_probe(run, 6s);
  EXPECT_EQ(choice.accel, Accelerator::Tcg);
  EXPECT_NE(choice.reason.find("failed to set MSR 0x10a"), std::string::npos) << choice.reason;
  EXPECT_NE(choice.reason.find("signal 6"), std::string::npos) << choice.reason;
}

TEST(AccelProbeClassify, SilentKvmWithNothingOnStderr) {
  ProbeRun run;
  run.timed_out = true;
  run.console =
      "SeaBIOS (version 1.16.2-debian-1.16.2-1)\r\nProbing EDD (edd=off to disable)... ok\r\n";
  auto choice = classify_probe(run, 6s);
  EXPECT_EQ(choice.accel, Accelerator::Tcg);
  EXPECT_NE(choice.reason.find("silent"), std::string::npos) << choice.reason;
  EXPECT_NE(choice.reason.find("6.0 s"), std::string::npos) << choice.reason;
  EXPECT_NE(choice.reason.find("Probing EDD"), std::string::npos) << choice.reason;
}

TEST(AccelProbeClassify, SilentKvmWithNoOutputAtAll) {
  ProbeRun run;
  run.timed_out = true;
  auto choice = classify_probe(run, 2500ms);
  EXPECT_EQ(choice.accel, Accelerator::Tcg);
  EXPECT_NE(choice.reason.find("2.5 s"), std::string::npos) << choice.reason;
}

TEST(AccelProbeClassify, ExitWithoutBanner) {
  ProbeRun run;
  run.exit_code = 1;
  run.errors =
      "qemu-system-x86_64: -accel kvm: Could not access KVM kernel module: Permission denied\n";
  auto choice = classify_probe(run, 6s);
  EXPECT_EQ(choice.accel, Accelerator::Tcg);
  EXPECT_NE(choice.reason.find("status 1"), std::string::npos) << choice.reason;
  EXPECT_NE(choice.reason.find("Permission denied"), std::string::npos) << choice.reason;
}

TEST(TailLines, EmptyAndShortTexts) {
  EXPECT_EQ(tail_lines("", 1), "");
  EXPECT_EQ(tail_lines("", 15), "");
  EXPECT_EQ(tail_lines("abc", 1), "abc");
  EXPECT_EQ(tail_lines("abc", 0), "");
  EXPECT_EQ(tail_lines("\n", 1), "\n");
  EXPECT_EQ(tail_lines("\n\n\n", 2), "\n\n");
}

TEST(TailLines, KeepsTheLastLines) {
  EXPECT_EQ(tail_lines("a\nb\nc\n", 1), "c\n");
  EXPECT_EQ(tail_lines("a\nb\nc\n", 2), "b\nc\n");
  EXPECT_EQ(tail_lines("a\nb\nc", 2), "b\nc");
  EXPECT_EQ(tail_lines("a\nb\nc\n", 9), "a\nb\nc\n");
}

}  // namespace
}  // namespace fuselab
