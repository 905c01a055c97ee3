// The module metadata depmod writes (modules.dep, modules.builtin, modules.softdep, modules.alias),
// and the load order of a set of modules with their dependencies: what modprobe would do, done on
// the host so the initramfs needs no modprobe.
#pragma once

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace fuselab {

// "kernel/drivers/char/hw_random/virtio-rng.ko.xz" -> "virtio_rng": the name modprobe matches,
// where '-' and '_' are the same.
std::string module_name_from_path(std::string_view path);
std::string normalize_module_name(std::string_view name);

class ModuleIndex {
 public:
  // Texts of the four files; `softdep` and `alias` may be empty.
  ModuleIndex(std::string_view modules_dep, std::string_view modules_builtin,
              std::string_view modules_softdep = {}, std::string_view modules_alias = {});
  static ModuleIndex load(const std::filesystem::path& modules_dir);

  // Paths (relative to the modules dir, as in modules.dep) to load, dependencies before their
  // users, each once. Built-in modules are skipped. A name ending in '?' is optional: absent
  // modules are then ignored; any other absent module is an InfraError. Soft `pre:` dependencies
  // are followed when they resolve to a module (directly or by alias), ignored otherwise.
  std::vector<std::string> load_order(const std::vector<std::string>& names) const;

  bool is_builtin(const std::string& name) const;

 private:
  void visit(const std::string& name, std::set<std::string>& done, std::set<std::string>& active,
             std::vector<std::string>& order) const;
  std::vector<std::string> resolve_soft(const std::string& name) const;

  std::map<std::string, std::string> path_of_;                 // module name -> path
  std::map<std::string, std::vector<std::string>> hard_deps_;  // module name -> dep names
  std::map<std::string, std::vector<std::string>> soft_pre_;   // module name -> soft pre names
  std::multimap<std::string, std::string> alias_;              // exact alias -> module name
  std::set<std::string> builtin_;
};

}  // namespace fuselab
