#include "image/private_apt.h"

#include <spdlog/spdlog.h>

#include <sstream>

#include "common/elapsed.h"
#include "common/error.h"
#include "common/paths.h"
#include "common/subprocess.h"

namespace fs = std::filesystem;

namespace fuselab {
namespace {

constexpr const char* kKeyring = "/usr/share/keyrings/debian-archive-keyring.gpg";

}  // namespace

PrivateApt::PrivateApt(fs::path root, std::string uri, std::string suite)
    : root_(std::move(root)), suite_(std::move(suite)) {
  for (const char* dir : {"lists/partial", "archives/partial", "etc/apt.conf.d",
                          "etc/preferences.d", "etc/sources.list.d"}) {
    fs::create_directories(root_ / dir);
  }
  if (!fs::exists(kKeyring)) {
    throw UserError(std::string("missing ") + kKeyring,
                    "install it with: apt-get install debian-archive-keyring");
  }
  std::string sources = "Types: deb\nURIs: " + uri + "\nSuites: " + suite_ +
                        "\nComponents: main\nSigned-By: " + kKeyring + "\n";
  auto path = root_ / "etc/fuselab.sources";
  if (!fs::exists(path) || read_file(path) != sources) write_file_atomic(path, sources);
}

std::vector<std::string> PrivateApt::apt_command(const std::string& tool) const {
  auto r = root_.string();
  // Every Dir:: setting apt would otherwise take from the host points into root_; the host's
  // apt.conf.d is skipped too, so a host-only tweak cannot change what fuselab resolves.
  const std::vector<std::string> settings = {
      "Dir::State=" + r,
      "Dir::State::Lists=" + r + "/lists",
      "Dir::State::status=/dev/null",
      "Dir::Cache=" + r,
      "Dir::Cache::Archives=" + r + "/archives",
      "Dir::Etc::SourceList=" + r + "/etc/fuselab.sources",
      "Dir::Etc::SourceParts=" + r + "/etc/sources.list.d",
      "Dir::Etc::Parts=" + r + "/etc/apt.conf.d",
      "Dir::Etc::PreferencesParts=" + r + "/etc/preferences.d",
      "Dir::Etc::Preferences=/dev/null",
      // Downloads land in fuselab's cache, which the unprivileged _apt user may not reach.
      "APT::Sandbox::User=root",
  };
  std::vector<std::string> argv = {tool};
  for (const auto& setting : settings) argv.insert(argv.end(), {"-o", setting});
  return argv;
}

void PrivateApt::update(std::chrono::seconds max_age) {
  auto stamp = root_ / "last-update";
  std::error_code ec;
  auto stamped = fs::last_write_time(stamp, ec);
  if (!ec && fs::file_time_type::clock::now() - stamped < max_age) {
    spdlog::debug("apt lists for {} are fresh, not updating", suite_);
    return;
  }
  spdlog::info("apt update for suite {}", suite_);
  auto start = std::chrono::steady_clock::now();
  auto argv = apt_command("apt-get");
  argv.insert(argv.end(), {"-q", "update"});
  CommandOptions options;
  options.timeout = std::chrono::minutes(5);
  auto result = run_command(argv, options, "apt");
  // apt-get update exits 0 even when a source failed; its "W:"/"E:" lines tell.
  if (!result.ok() || result.err.find("E: ") != std::string::npos ||
      result.err.find("W: Failed to fetch") != std::string::npos) {
    throw InfraError("apt-get update for " + suite_ + " failed:\n" + tail_lines(result.err, 10));
  }
  write_file_atomic(stamp, "");
  spdlog::info("apt update for {} took {:.1f} s", suite_, seconds_since(start));
}

std::string PrivateApt::show_field(const std::string& package, const std::string& field) const {
  auto argv = apt_command("apt-cache");
  argv.insert(argv.end(), {"show", "--no-all-versions", package});
  CommandOptions options;
  options.timeout = std::chrono::minutes(1);
  auto result = run_command(argv, options, "apt");
  if (!result.ok() || result.out.empty()) {
    throw InfraError("package " + package + " not found in suite " + suite_ + ": " +
                     tail_lines(result.err, 3));
  }
  return deb822_field(result.out, field);
}

fs::path PrivateApt::download(const std::string& package, const std::string& version,
                              const fs::path& dest_dir) const {
  fs::create_directories(dest_dir);
  auto argv = apt_command("apt-get");
  argv.insert(argv.end(), {"-q", "download", package + "=" + version});
  CommandOptions options;
  options.timeout = std::chrono::minutes(10);
  options.cwd = dest_dir;
  run_checked(argv, options, "apt");
  for (const auto& entry : fs::directory_iterator(dest_dir)) {
    auto name = entry.path().filename().string();
    if (name.starts_with(package + "_") && name.ends_with(".deb")) return entry.path();
  }
  throw InfraError("apt-get download " + package + " left no .deb in " + dest_dir.string());
}

std::string deb822_field(const std::string& paragraph, const std::string& field) {
  std::istringstream in(paragraph);
  std::string line;
  const std::string prefix = field + ":";
  while (std::getline(in, line)) {
    if (line.empty()) break;  // only the first paragraph
    if (line.starts_with(prefix)) {
      auto value = line.substr(prefix.size());
      auto begin = value.find_first_not_of(' ');
      return begin == std::string::npos ? "" : value.substr(begin);
    }
  }
  return {};
}

std::vector<std::string> dependency_names(const std::string& depends) {
  std::vector<std::string> names;
  std::istringstream in(depends);
  std::string item;
  while (std::getline(in, item, ',')) {
    auto begin = item.find_first_not_of(" \t\n");
    if (begin == std::string::npos) continue;
    auto end = item.find_first_of(" \t\n(|", begin);
    names.push_back(item.substr(begin, end == std::string::npos ? std::string::npos : end - begin));
  }
  return names;
}

std::optional<std::string> first_dependency_with_prefix(const std::string& depends,
                                                        const std::string& prefix) {
  for (auto& name : dependency_names(depends)) {
    if (name.starts_with(prefix)) return name;
  }
  return std::nullopt;
}

}  // namespace fuselab
