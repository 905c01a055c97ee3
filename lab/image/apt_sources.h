// Reads the host's apt configuration to find the Debian archive it already uses, so fuselab never
// names a mirror itself: whatever archive (or proxy, or snapshot) the host trusts, fuselab uses.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fuselab {

// One `deb` source as apt sees it, from either file format.
struct AptSource {
  std::vector<std::string> uris;
  std::vector<std::string> suites;
  std::vector<std::string> components;
  bool enabled = true;
};

// The Debian archive fuselab downloads from, and the release the host runs (the suite of the
// chosen entry without its `-updates`/`-backports` suffix), e.g. "bookworm".
struct DebianArchive {
  std::string uri;
  std::string host_suite;
};

// deb822 `.sources` text: stanzas separated by blank lines; `Enabled: no` is honoured.
std::vector<AptSource> parse_deb822_sources(std::string_view text);

// One-line `sources.list` text: `deb [options] URI SUITE COMPONENT...`; deb-src is ignored.
std::vector<AptSource> parse_one_line_sources(std::string_view text);

// The first entry (in the order given) that is a Debian release archive: a suite naming a Debian
// release codename or alias, not a `-security` suite, and a `main` component. Third-party
// repositories use other suite names (`stable` aside, which is why codenames are preferred).
std::optional<DebianArchive> choose_debian_archive(const std::vector<AptSource>& sources);

// Reads sources.list then sources.list.d/*.list and *.sources (sorted, as apt does) under
// `apt_etc` (normally /etc/apt) and applies choose_debian_archive. Throws UserError if none.
DebianArchive find_debian_archive(const std::filesystem::path& apt_etc = "/etc/apt");

}  // namespace fuselab
