// `fuselab probe-accel` against fake `qemu-system-x86_64` programs that behave as QEMU does on
// the machines CI lands on: it aborts at the first MSR write, it stays silent after the kernel's
// real-mode lines, or it boots. Each test checks the decision, how long it took, and that the
// answer is cached for this host boot and QEMU binary (a second call runs no QEMU at all).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>

#include "common/paths.h"
#include "common/subprocess.h"

namespace fs = std::filesystem;

namespace fuselab {
namespace {

struct ProbeCall {
  int exit_code = -1;
  std::string out, err;
  double seconds = 0;
};

class AccelProbeCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access("/dev/kvm", R_OK | W_OK) != 0)
      GTEST_SKIP() << "/dev/kvm is not usable here: the probe never runs QEMU";
    dir_ = std::make_unique<TempDir>(fs::temp_directory_path(), "fuselab-accel-test-");
    fs::create_directories(dir_->path() / "bin");
    // Any file with the boot protocol's magic is a kernel to the resolver; the fake QEMU ignores
    // it.
    std::string image(0x400, '\0');
    image.replace(0x202, 4, "HdrS");
    write_file_atomic(dir_->path() / "bzImage", image);
  }

  // A fake QEMU: `body` runs in sh; each call appends a line to `calls`.
  void fake_qemu(const std::string& body) {
    auto path = dir_->path() / "bin" / "qemu-system-x86_64";
    write_file_atomic(path, "#!/bin/sh\necho call >> '" + (dir_->path() / "calls").string() +
                                "'\n" + body + "\n");
    ::chmod(path.c_str(), 0755);
  }

  int calls() const {
    std::ifstream in(dir_->path() / "calls");
    int n = 0;
    for (std::string line; std::getline(in, line);) ++n;
    return n;
  }

  ProbeCall probe(std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {FUSELAB_CLI_PATH, "probe-accel", "--kernel",
                                     "path:" + (dir_->path() / "bzImage").string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    CommandOptions options;
    options.timeout = std::chrono::seconds(60);
    const char* path = std::getenv("PATH");
    options.env_set = {
        {"PATH", (dir_->path() / "bin").string() + ":" + (path ? path : "/usr/bin:/bin")},
        {"FUSELAB_CACHE_DIR", (dir_->path() / "cache").string()}};
    auto start = std::chrono::steady_clock::now();
    auto r = run_command(argv, options);
    return {r.exit_code, r.out, r.err,
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()};
  }

  std::unique_ptr<TempDir> dir_;
};

TEST_F(AccelProbeCli, QemuAbortsAtMsrWrite) {
  fake_qemu(
      "echo 'qemu-system-x86_64: error: failed to set MSR 0x10a to 0x0' >&2\n"
      "echo \"qemu-system-x86_64: ../../target/i386/kvm/kvm.c:3029: kvm_buf_set_msrs: Assertion "
      "'ret == "
      "cpu->kvm_msr_buf->nmsrs' failed.\" >&2\n"
      "kill -ABRT $$");
  auto r = probe();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("tcg: ", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("failed to set MSR 0x10a"), std::string::npos) << r.out;
  EXPECT_LT(r.seconds, 10);
  EXPECT_EQ(calls(), 1);
}

TEST_F(AccelProbeCli, KvmSilentAfterRealModeIsDecidedWithinSecondsAndCached) {
  // What QEMU printed on such a machine: the kernel's real-mode line, then nothing, nothing on
  // stderr, until killed.
  fake_qemu("printf 'Probing EDD (edd=off to disable)... ok\\r\\n'\nexec sleep 120");
  auto first = probe();
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(first.out.rfind("tcg: ", 0), 0u) << first.out;
  EXPECT_NE(first.out.find("silent"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("decided now"), std::string::npos) << first.out;
  EXPECT_LT(first.seconds, 12) << "the probe must decide within a few seconds";
  EXPECT_EQ(first.err.find("internal error"), std::string::npos) << first.err;

  auto second = probe();
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(second.out.rfind("tcg: ", 0), 0u) << second.out;
  EXPECT_NE(second.out.find("s ago by an earlier probe"), std::string::npos) << second.out;
  EXPECT_LT(second.seconds, 2) << "a cached answer costs nothing";
  EXPECT_EQ(calls(), 1) << "the second call must not run QEMU";

  auto refreshed = probe({"--refresh"});
  ASSERT_EQ(refreshed.exit_code, 0) << refreshed.err;
  EXPECT_EQ(calls(), 2);
}

TEST_F(AccelProbeCli, KvmBoots) {
  fake_qemu("echo 'Linux version 6.1.0-50-cloud-amd64 (debian-kernel@lists.debian.org)'\nexit 0");
  auto r = probe();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("kvm: ", 0), 0u) << r.out;
  EXPECT_EQ(calls(), 1);
}

TEST_F(AccelProbeCli, NewQemuBinaryProbesAgain) {
  fake_qemu("echo 'Linux version 6.1.0'\nexit 0");
  ASSERT_EQ(probe().exit_code, 0);
  // An upgraded QEMU (another size and mtime) may behave differently: the cache must not apply.
  fake_qemu("printf 'x\\n' >&2\nexit 1\n# a longer script is another binary");
  auto r = probe();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("tcg: ", 0), 0u) << r.out;
  EXPECT_EQ(calls(), 2);
}

}  // namespace
}  // namespace fuselab
