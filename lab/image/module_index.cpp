#include "image/module_index.h"

#include <sstream>

#include "common/error.h"
#include "common/paths.h"

namespace fs = std::filesystem;

namespace fuselab {
namespace {

std::vector<std::string> words_of(std::string_view line) {
  std::istringstream in{std::string(line)};
  std::vector<std::string> words;
  std::string w;
  while (in >> w) words.push_back(w);
  return words;
}

template <typename Fn>
void for_each_line(std::string_view text, Fn fn) {
  std::istringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != '#') fn(line);
  }
}

std::string read_optional(const fs::path& path) {
  return fs::exists(path) ? read_file(path) : std::string();
}

}  // namespace

std::string normalize_module_name(std::string_view name) {
  std::string out(name);
  for (auto& c : out) {
    if (c == '-') c = '_';
  }
  return out;
}

std::string module_name_from_path(std::string_view path) {
  auto slash = path.rfind('/');
  auto base = path.substr(slash == std::string_view::npos ? 0 : slash + 1);
  // Strip ".ko" and any compression suffix after it (.ko.xz, .ko.zst, .ko.gz).
  auto ko = base.find(".ko");
  return normalize_module_name(base.substr(0, ko));
}

ModuleIndex::ModuleIndex(std::string_view modules_dep, std::string_view modules_builtin,
                         std::string_view modules_softdep, std::string_view modules_alias) {
  for_each_line(modules_dep, [&](const std::string& line) {
    auto colon = line.find(':');
    if (colon == std::string::npos) return;
    auto path = line.substr(0, colon);
    auto name = module_name_from_path(path);
    path_of_[name] = path;
    auto& deps = hard_deps_[name];
    for (const auto& dep : words_of(std::string_view(line).substr(colon + 1))) {
      deps.push_back(module_name_from_path(dep));
    }
  });
  for_each_line(modules_builtin,
                [&](const std::string& line) { builtin_.insert(module_name_from_path(line)); });
  // "softdep ext4 pre: crc32c post: foo"
  for_each_line(modules_softdep, [&](const std::string& line) {
    auto words = words_of(line);
    if (words.size() < 3 || words[0] != "softdep") return;
    bool in_pre = false;
    auto& pre = soft_pre_[normalize_module_name(words[1])];
    for (size_t i = 2; i < words.size(); ++i) {
      if (words[i] == "pre:")
        in_pre = true;
      else if (words[i] == "post:")
        in_pre = false;
      else if (in_pre)
        pre.push_back(words[i]);
    }
  });
  // Only exact aliases (no wildcards): soft dependencies name things like "crc32c".
  for_each_line(modules_alias, [&](const std::string& line) {
    auto words = words_of(line);
    if (words.size() == 3 && words[0] == "alias" &&
        words[1].find_first_of("*?[") == std::string::npos) {
      alias_.emplace(words[1], normalize_module_name(words[2]));
    }
  });
}

ModuleIndex ModuleIndex::load(const fs::path& modules_dir) {
  if (!fs::exists(modules_dir / "modules.dep")) {
    throw InfraError("no modules.dep in " + modules_dir.string() + " (run depmod for it)");
  }
  return ModuleIndex(
      read_file(modules_dir / "modules.dep"), read_optional(modules_dir / "modules.builtin"),
      read_optional(modules_dir / "modules.softdep"), read_optional(modules_dir / "modules.alias"));
}

bool ModuleIndex::is_builtin(const std::string& name) const {
  return builtin_.contains(normalize_module_name(name));
}

std::vector<std::string> ModuleIndex::resolve_soft(const std::string& name) const {
  auto normal = normalize_module_name(name);
  if (path_of_.contains(normal) || builtin_.contains(normal)) return {normal};
  std::vector<std::string> out;
  auto [begin, end] = alias_.equal_range(name);
  for (auto it = begin; it != end; ++it) out.push_back(it->second);
  return out;
}

void ModuleIndex::visit(const std::string& name, std::set<std::string>& done,
                        std::set<std::string>& active, std::vector<std::string>& order) const {
  if (done.contains(name) || builtin_.contains(name)) return;
  // modules.dep is a closure already, so a cycle means a corrupt file; refuse it.
  if (!active.insert(name).second) throw InfraError("module dependency cycle at " + name);
  if (auto soft = soft_pre_.find(name); soft != soft_pre_.end()) {
    for (const auto& pre : soft->second) {
      for (const auto& resolved : resolve_soft(pre)) {
        if (path_of_.contains(resolved)) visit(resolved, done, active, order);
      }
    }
  }
  // modules.dep lists each module's dependencies with the deepest last; walking them recursively
  // orders them correctly whatever their order in the file.
  if (auto deps = hard_deps_.find(name); deps != hard_deps_.end()) {
    for (const auto& dep : deps->second) {
      if (!path_of_.contains(dep)) throw InfraError("modules.dep names unknown module " + dep);
      visit(dep, done, active, order);
    }
  }
  active.erase(name);
  done.insert(name);
  order.push_back(path_of_.at(name));
}

std::vector<std::string> ModuleIndex::load_order(const std::vector<std::string>& names) const {
  std::vector<std::string> order;
  std::set<std::string> done, active;
  for (const auto& requested : names) {
    bool optional = requested.ends_with('?');
    auto name =
        normalize_module_name(optional ? requested.substr(0, requested.size() - 1) : requested);
    if (builtin_.contains(name)) continue;
    if (!path_of_.contains(name)) {
      if (optional) continue;
      throw InfraError("kernel module " + name + " is neither built in nor in modules.dep");
    }
    visit(name, done, active, order);
  }
  return order;
}

}  // namespace fuselab
