// `upload:` (a host build put into the cell): what the plan accepts, what the agent is sent, and
// the host-side checks and digest of the uploaded files.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "common/error.h"
#include "common/paths.h"
#include "config/plan_loader.h"
#include "image/upload_image.h"
#include "matrix/plan.h"

namespace fuselab {
namespace {

namespace fs = std::filesystem;

std::string cell_with(const std::string& lines) {
  return "name: t\ncells:\n  - id: c\n    server:\n      backend: external\n" + lines;
}

TEST(PlanUpload, ExecNamesTheUploadByItsGuestPath) {
  Plan plan = parse_plan(cell_with("      exec: ['{upload}/bin/myfs', -f, 'x={upload}', "
                                   "'{mountpoint}']\n    upload: build/My-FS_2/\n"),
                         "t.yaml");
  const CellSpec& cell = plan.cells.at(0);
  EXPECT_EQ(upload_guest_path(cell), "/usr/local/lib/fuselab/upload/My-FS_2");
  const auto exec = agent_spec(cell).server.exec;
  ASSERT_EQ(exec.size(), 4u);
  EXPECT_EQ(exec[0], "/usr/local/lib/fuselab/upload/My-FS_2/bin/myfs");
  EXPECT_EQ(exec[2], "x=/usr/local/lib/fuselab/upload/My-FS_2");
  EXPECT_EQ(exec[3], "{mountpoint}");  // the agent's placeholders stay for the agent
  EXPECT_EQ(cell.upload_origin.line, 7);
  EXPECT_EQ(cell_spec_json(cell)["upload"]["guest"], "/usr/local/lib/fuselab/upload/My-FS_2");
}

TEST(PlanUpload, MistakesNameTheKey) {
  struct Bad {
    std::string yaml, key, problem;
  };
  const std::vector<Bad> bad = {
      {cell_with("      exec: ['{upload}']\n"), "c", "has no upload"},
      {cell_with("      exec: [/bin/true]\n    upload: build/x\n"), "c", "never names it"},
      {cell_with("      exec: ['{upload}']\n    upload: build/..\n"), "upload", "bad upload path"},
      {cell_with("      exec: ['{upload}']\n    upload: 'a/b c'\n"), "upload", "bad upload path"},
      {cell_with("      exec: ['{upload}']\n    upload: ''\n"), "upload", "bad upload path"},
      {cell_with("      exec: ['{upload}']\n    upload: /\n"), "upload", "bad upload path"},
  };
  for (const auto& b : bad) {
    try {
      parse_plan(b.yaml, "t.yaml");
      ADD_FAILURE() << "accepted:\n" << b.yaml;
    } catch (const ConfigError& e) {
      EXPECT_EQ(e.file(), "t.yaml");
      EXPECT_NE(std::string(e.what()).find(b.problem), std::string::npos) << e.what();
    }
  }
}

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

TEST(PlanUpload, CheckAndDigestOfADirectory) {
  TempDir dir(fs::temp_directory_path(), "fuselab-upload-");
  const fs::path build = dir.path() / "build";
  write(build / "bin" / "myfs", "#!/bin/false\n");
  write(build / "lib" / "libx.so.1", "x");
  fs::create_symlink("libx.so.1", build / "lib" / "libx.so");
  EXPECT_NO_THROW(check_upload(build));
  EXPECT_NO_THROW(check_upload(build / "bin" / "myfs"));
  EXPECT_THROW(check_upload(dir.path() / "nothing"), UserError);

  const std::string first = upload_content_hash(build);
  EXPECT_EQ(first, upload_content_hash(build));
  write(build / "bin" / "myfs", "#!/bin/true\n");
  const std::string edited = upload_content_hash(build);
  EXPECT_NE(edited, first);
  fs::permissions(build / "bin" / "myfs", fs::perms::owner_exec, fs::perm_options::add);
  EXPECT_NE(upload_content_hash(build), edited);  // the mode counts: it decides what runs
}

TEST(PlanUpload, SpecialFilesAreRefused) {
  TempDir dir(fs::temp_directory_path(), "fuselab-upload-");
  const fs::path build = dir.path() / "build";
  fs::create_directories(build);
  ASSERT_EQ(::mkfifo((build / "pipe").c_str(), 0600), 0);
  try {
    check_upload(build);
    ADD_FAILURE() << "a fifo was accepted";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("neither a file"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace fuselab
