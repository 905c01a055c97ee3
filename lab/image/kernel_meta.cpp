#include "image/kernel_meta.h"

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/json_fields.h"
#include "common/paths.h"

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace fuselab {
namespace {

// Typed access to one meta.json: absent fields get the caller's default, present ones must have
// the type the writer gives them.
class MetaFields {
 public:
  MetaFields(const json& meta, std::string file) : meta_(meta), file_(std::move(file)) {}

  std::optional<std::string> text(const char* key) const {
    const json* v = json_field(meta_, key);
    if (!v) return std::nullopt;
    if (!v->is_string()) fail(key, "is not a string");
    return v->get<std::string>();
  }
  std::string required(const char* key) const {
    auto v = text(key);
    if (!v) fail(key, "is missing");
    return *v;
  }
  std::vector<std::string> list(const char* key) const {
    const json* v = json_field(meta_, key);
    if (!v) return {};
    std::vector<std::string> out;
    if (!v->is_array()) fail(key, "is not a list of strings");
    for (const auto& item : *v) {
      if (!item.is_string()) fail(key, "is not a list of strings");
      out.push_back(item.get<std::string>());
    }
    return out;
  }
  std::optional<double> number(const char* key) const {
    if (!json_field(meta_, key)) return std::nullopt;
    auto v = json_double_field(meta_, key);
    if (!v) fail(key, "is not a number");
    return v;
  }
  // key empty: the whole file.
  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    throw InfraError(file_ + ": " + (key.empty() ? "" : "\"" + key + "\" ") + what +
                     " (a damaged cache entry: remove " + fs::path(file_).parent_path().string() +
                     ")");
  }

 private:
  const json& meta_;
  std::string file_;
};

}  // namespace

std::string kernel_meta_json(const KernelMeta& m) {
  json meta = {{"kind", m.kind},
               {"value", m.value},
               {"source", m.source},
               {"version", m.version},
               {"release", m.release},
               {"kernel", m.kernel},
               {"modules_dir", m.modules_dir},
               {"config", m.config}};
  if (m.kind == "debian") {
    meta["suite"] = m.suite;
    meta["flavour"] = m.flavour;
    meta["package"] = m.package;
    meta["packages"] = m.packages;
  } else {
    meta["fragments"] = m.fragments;
    meta["patches"] = m.patches;
    meta["key"] = m.key;
    if (m.build_seconds) meta["build_seconds"] = *m.build_seconds;
  }
  return meta.dump(2) + "\n";
}

void write_kernel_meta(const fs::path& dir, const KernelMeta& meta) {
  write_file_atomic(dir / "meta.json", kernel_meta_json(meta));
}

KernelMeta parse_kernel_meta(const std::string& text, const std::string& file) {
  auto meta = json::parse(text, nullptr, false);
  MetaFields f(meta, file);
  if (meta.is_discarded() || !meta.is_object()) f.fail("", "is not a JSON object");
  KernelMeta m;
  m.kind = f.text("kind").value_or("debian");
  if (m.kind != "debian" && m.kind != "build")
    f.fail("kind", "is neither \"debian\" nor \"build\"");
  m.release = f.required("release");
  m.kernel = f.required("kernel");
  m.version = f.required("version");
  m.modules_dir = f.text("modules_dir").value_or("");
  // Debian kernels cached before meta.json named their config still have it under boot/.
  m.config = f.text("config").value_or("boot/config-" + m.release);
  if (m.kind == "debian") {
    m.suite = f.required("suite");
    m.flavour = f.required("flavour");
    m.package = f.text("package").value_or("");
    m.packages = f.list("packages");
    m.value = f.text("value").value_or("debian:" + m.suite + ":" + m.flavour);
    m.source = f.text("source").value_or(m.value + " " + m.version);
  } else {
    m.value = f.required("value");
    m.source = f.required("source");
    m.fragments = f.list("fragments");
    m.patches = f.list("patches");
    m.key = f.text("key").value_or("");
    m.build_seconds = f.number("build_seconds");
  }
  return m;
}

KernelMeta read_kernel_meta(const fs::path& dir) {
  auto file = dir / "meta.json";
  return parse_kernel_meta(read_file(file), file.string());
}

KernelArtifacts kernel_artifacts(const fs::path& dir, const KernelMeta& meta) {
  KernelArtifacts kernel;
  kernel.kernel = dir / meta.kernel;
  if (!meta.modules_dir.empty()) kernel.modules_dir = dir / meta.modules_dir;
  kernel.release = meta.release;
  kernel.source = meta.source;
  if (!meta.config.empty() && fs::is_regular_file(dir / meta.config))
    kernel.config = dir / meta.config;
  if (!fs::is_regular_file(kernel.kernel) ||
      (!kernel.modules_dir.empty() && !fs::exists(kernel.modules_dir / "modules.dep"))) {
    throw InfraError(
        "cached kernel in " + dir.string() +
        " is incomplete; delete that folder and run again (it is fetched or built anew)");
  }
  return kernel;
}

KernelArtifacts load_cached_kernel(const fs::path& dir) {
  return kernel_artifacts(dir, read_kernel_meta(dir));
}

}  // namespace fuselab
