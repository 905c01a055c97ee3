// The archive fuselab downloads from comes from the host's apt configuration; these cover the
// layouts seen on Debian hosts and cloud images (deb822, one-line, third-party repos around).
#include <gtest/gtest.h>

#include "common/error.h"
#include "common/paths.h"
#include "image/apt_sources.h"

namespace fuselab {
namespace {

TEST(AptSources, Deb822PicksMainArchiveNotSecurity) {
  auto sources = parse_deb822_sources(R"(Types: deb
# a snapshot comment
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main
)");
  ASSERT_EQ(sources.size(), 2u);
  auto archive = choose_debian_archive(sources);
  ASSERT_TRUE(archive);
  EXPECT_EQ(archive->uri, "http://mirror.example/debian");
  EXPECT_EQ(archive->host_suite, "bookworm");
}

TEST(AptSources, SecurityFirstIsSkipped) {
  auto sources = parse_deb822_sources(R"(Types: deb
URIs: http://mirror.example/debian-security/
Suites: bookworm-security
Components: main

Types: deb deb-src
URIs: https://mirror.example/debian/
Suites: bookworm-updates
Components: main contrib
)");
  auto archive = choose_debian_archive(sources);
  ASSERT_TRUE(archive);
  EXPECT_EQ(archive->uri, "https://mirror.example/debian");  // trailing slash dropped
  EXPECT_EQ(archive->host_suite, "bookworm");
}

TEST(AptSources, ThirdPartyReposAndDisabledStanzasIgnored) {
  auto sources = parse_deb822_sources(R"(Types: deb
URIs: https://packages.vendor.example/apt
Suites: cloud-sdk
Components: main

Types: deb
URIs: https://deb.nodes.example/node_20.x
Suites: nodistro
Components: main

Types: deb
Enabled: no
URIs: http://old.example/debian
Suites: bookworm
Components: main

Types: deb-src
URIs: http://src.example/debian
Suites: bookworm
Components: main

Types: deb
URIs: http://mirror.example/debian
Suites: trixie
Components: main
)");
  auto archive = choose_debian_archive(sources);
  ASSERT_TRUE(archive);
  EXPECT_EQ(archive->uri, "http://mirror.example/debian");
  EXPECT_EQ(archive->host_suite, "trixie");
}

TEST(AptSources, OneLineFormatWithOptionsAndComments) {
  auto sources = parse_one_line_sources(R"(# deb http://commented.example/debian bookworm main
deb-src http://src.example/debian bookworm main
deb [arch=amd64 signed-by=/usr/share/keyrings/x.gpg] https://repo.vendor.example/apt stable main
deb http://mirror.example/debian-security bookworm-security main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://mirror.example/debian bookworm main non-free-firmware
)");
  ASSERT_EQ(sources.size(), 3u);
  auto archive = choose_debian_archive(sources);
  ASSERT_TRUE(archive);
  // The vendor repo's "stable" comes first but a release codename wins over an alias.
  EXPECT_EQ(archive->uri, "http://mirror.example/debian");
  EXPECT_EQ(archive->host_suite, "bookworm");
}

TEST(AptSources, AliasUsedWhenNoCodename) {
  auto sources = parse_one_line_sources("deb http://mirror.example/debian stable main\n");
  auto archive = choose_debian_archive(sources);
  ASSERT_TRUE(archive);
  EXPECT_EQ(archive->host_suite, "stable");
}

TEST(AptSources, NoMainComponentNoArchive) {
  auto sources = parse_one_line_sources("deb http://mirror.example/debian bookworm contrib\n");
  EXPECT_FALSE(choose_debian_archive(sources));
}

TEST(AptSources, ReadsEtcTreeInAptOrder) {
  TempDir etc(std::filesystem::temp_directory_path(), "fuselab-apt-");
  std::filesystem::create_directories(etc.path() / "sources.list.d");
  write_file_atomic(etc.path() / "sources.list.d/vendor.list",
                    "deb https://repo.vendor.example/apt cloud-sdk main\n");
  write_file_atomic(
      etc.path() / "sources.list.d/old.sources.disabled",
      "Types: deb\nURIs: http://old.example/debian\nSuites: bookworm\nComponents: main\n");
  write_file_atomic(
      etc.path() / "sources.list.d/debian.sources",
      "Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm\nComponents: main\n");
  auto archive = find_debian_archive(etc.path());
  EXPECT_EQ(archive.uri, "http://mirror.example/debian");
}

TEST(AptSources, EmptyEtcIsUserError) {
  TempDir etc(std::filesystem::temp_directory_path(), "fuselab-apt-");
  EXPECT_THROW(find_debian_archive(etc.path()), UserError);
}

}  // namespace
}  // namespace fuselab
