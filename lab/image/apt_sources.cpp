#include "image/apt_sources.h"

#include <algorithm>
#include <array>
#include <sstream>

#include "common/error.h"
#include "common/paths.h"
#include "image/artifacts.h"

namespace fs = std::filesystem;

namespace fuselab {
namespace {

// Debian release codenames and suite aliases. A third-party repository reusing one of these
// (some do use `stable`) is why codenames win over aliases below.
constexpr std::array kCodenames = {"buster", "bullseye", "bookworm", "trixie",
                                   "forky",  "duke",     "sid"};
constexpr std::array kAliases = {"oldoldstable", "oldstable", "stable", "testing", "unstable"};

std::string trim(std::string_view s) {
  auto begin = s.find_first_not_of(" \t\r");
  if (begin == std::string_view::npos) return {};
  auto end = s.find_last_not_of(" \t\r");
  return std::string(s.substr(begin, end - begin + 1));
}

std::vector<std::string> split_words(std::string_view s) {
  std::vector<std::string> words;
  std::istringstream in{std::string(s)};
  std::string word;
  while (in >> word) words.push_back(word);
  return words;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// "bookworm-updates" -> "bookworm"; "bookworm-security" stays (callers reject it).
std::string release_of(const std::string& suite) {
  for (const char* suffix : {"-updates", "-backports", "-proposed-updates"}) {
    std::string_view sv(suffix);
    if (suite.size() > sv.size() && suite.ends_with(sv))
      return suite.substr(0, suite.size() - sv.size());
  }
  return suite;
}

template <size_t N>
bool is_one_of(const std::string& s, const std::array<const char*, N>& names) {
  return std::any_of(names.begin(), names.end(), [&](const char* n) { return s == n; });
}

bool usable_uri(const std::string& uri) {
  return uri.starts_with("http://") || uri.starts_with("https://") || uri.starts_with("file:/");
}

void finish_stanza(std::vector<AptSource>& out, AptSource& current, bool& is_deb) {
  if (is_deb && current.enabled && !current.uris.empty()) out.push_back(current);
  current = {};
  is_deb = false;
}

}  // namespace

std::vector<AptSource> parse_deb822_sources(std::string_view text) {
  std::vector<AptSource> out;
  AptSource current;
  bool is_deb = false;
  std::string last_key;
  std::istringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line)) {
    if (trim(line).empty()) {
      finish_stanza(out, current, is_deb);
      last_key.clear();
      continue;
    }
    if (line[0] == '#') continue;
    // A continuation line (leading space) extends the previous field, e.g. a multi-line URIs.
    std::string key, value;
    if (line[0] == ' ' || line[0] == '\t') {
      key = last_key;
      value = trim(line);
    } else {
      auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      key = lower(trim(std::string_view(line).substr(0, colon)));
      value = trim(std::string_view(line).substr(colon + 1));
      last_key = key;
    }
    auto words = split_words(value);
    if (key == "types") {
      is_deb = is_deb || std::find(words.begin(), words.end(), "deb") != words.end();
    } else if (key == "uris") {
      current.uris.insert(current.uris.end(), words.begin(), words.end());
    } else if (key == "suites") {
      current.suites.insert(current.suites.end(), words.begin(), words.end());
    } else if (key == "components") {
      current.components.insert(current.components.end(), words.begin(), words.end());
    } else if (key == "enabled") {
      current.enabled = lower(value) != "no";
    }
  }
  finish_stanza(out, current, is_deb);
  return out;
}

std::vector<AptSource> parse_one_line_sources(std::string_view text) {
  std::vector<AptSource> out;
  std::istringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line)) {
    if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    // Options in brackets ([arch=amd64 signed-by=...]) say nothing about which archive it is.
    if (auto open = line.find('['); open != std::string::npos) {
      auto close = line.find(']', open);
      if (close == std::string::npos) continue;
      line.erase(open, close - open + 1);
    }
    auto words = split_words(line);
    if (words.size() < 3 || words[0] != "deb") continue;
    AptSource source;
    source.uris = {words[1]};
    source.suites = {words[2]};
    source.components.assign(words.begin() + 3, words.end());
    out.push_back(std::move(source));
  }
  return out;
}

std::optional<DebianArchive> choose_debian_archive(const std::vector<AptSource>& sources) {
  // Two passes: release codenames first, then aliases such as `stable`.
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& source : sources) {
      bool has_main = std::find(source.components.begin(), source.components.end(), "main") !=
                      source.components.end();
      if (!has_main) continue;
      for (const auto& suite : source.suites) {
        if (suite.find("security") != std::string::npos) continue;
        auto release = release_of(suite);
        bool known = pass == 0 ? is_one_of(release, kCodenames) : is_one_of(release, kAliases);
        if (!known) continue;
        for (const auto& uri : source.uris) {
          if (!usable_uri(uri)) continue;
          std::string clean = uri;
          while (clean.size() > 1 && clean.back() == '/') clean.pop_back();
          return DebianArchive{clean, release};
        }
      }
    }
  }
  return std::nullopt;
}

DebianArchive find_debian_archive(const fs::path& apt_etc) {
  std::vector<AptSource> all;
  auto add = [&](const std::vector<AptSource>& more) {
    all.insert(all.end(), more.begin(), more.end());
  };
  if (fs::is_regular_file(apt_etc / "sources.list")) {
    add(parse_one_line_sources(read_file(apt_etc / "sources.list")));
  }
  std::vector<fs::path> parts;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(apt_etc / "sources.list.d", ec)) {
    parts.push_back(entry.path());
  }
  std::sort(parts.begin(), parts.end());
  for (const auto& part : parts) {
    // apt reads only these two extensions; `.list.disabled` and friends are switched off.
    if (part.extension() == ".list") add(parse_one_line_sources(read_file(part)));
    if (part.extension() == ".sources") add(parse_deb822_sources(read_file(part)));
  }
  auto archive = choose_debian_archive(all);
  if (!archive) {
    throw UserError("no Debian archive found in the apt sources under " + apt_etc.string(),
                    "add a `deb` entry for a Debian release (e.g. bookworm, component main) to "
                    "/etc/apt/sources.list.d/debian.sources");
  }
  return *archive;
}

std::string debian_archive_uri() { return find_debian_archive().uri; }

}  // namespace fuselab
