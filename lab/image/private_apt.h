// An apt state of fuselab's own (lists, caches, sources) so that resolving and downloading
// packages of any Debian suite never reads or changes the host's apt lists.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace fuselab {

class PrivateApt {
 public:
  // `root` holds the state (created on demand); sources: `uri` `suite` main, verified with the
  // Debian archive keyring.
  PrivateApt(std::filesystem::path root, std::string uri, std::string suite);

  // `apt-get update`, skipped when the last successful one is younger than `max_age`. Throws
  // InfraError when the archive cannot be reached.
  void update(std::chrono::seconds max_age);

  // A field of the candidate version of `package` (apt-cache show); empty if the field is absent.
  // Throws InfraError if the package is unknown.
  std::string show_field(const std::string& package, const std::string& field) const;

  // Downloads `package`=`version` into `dest_dir`; returns the .deb path.
  std::filesystem::path download(const std::string& package, const std::string& version,
                                 const std::filesystem::path& dest_dir) const;

 private:
  std::vector<std::string> apt_command(const std::string& tool) const;
  std::filesystem::path root_;
  std::string suite_;
};

// The value of `field` in one deb822 paragraph (`Field: value`), first occurrence; empty if none.
std::string deb822_field(const std::string& paragraph, const std::string& field);

// The package names of a Depends value, the first alternative of each ("a (>= 1) | b, c" ->
// a, c): the ones apt would pick.
std::vector<std::string> dependency_names(const std::string& depends);

// The first package of a Depends value whose name starts with `prefix`, e.g. "linux-image-" in
// "linux-image-6.1.0-50-cloud-amd64 (= 6.1.176-1)". Of "a | b" alternatives only the first
// counts: it is the one apt would pick.
std::optional<std::string> first_dependency_with_prefix(const std::string& depends,
                                                        const std::string& prefix);

}  // namespace fuselab
