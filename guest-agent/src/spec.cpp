#include "spec.h"

#include <set>
#include <vector>

#include "backend.h"
#include "error.h"
#include "workload.h"

namespace fuselab::agent {
namespace {

using nlohmann::json;

// Reads one JSON object key by key and remembers which keys it consumed; finish() rejects the
// rest. Adding a spec key is one line in parse_server()/parse_workload().
class ObjectReader {
 public:
  ObjectReader(const json& parent, const std::string& key, const std::string& path) : path_(path) {
    if (!parent.contains(key)) fail(path_, "missing");
    object_ = &parent.at(key);
    if (!object_->is_object())
      fail(path_, "want an object, got " + std::string(object_->type_name()));
  }

  bool boolean(const std::string& key) {
    const json& v = take(key);
    if (!v.is_boolean()) fail(name(key), "want true or false, got " + v.dump());
    return v.get<bool>();
  }

  std::uint64_t integer(const std::string& key, std::uint64_t min, std::uint64_t max) {
    const json& v = take(key);
    bool in_range =
        v.is_number_unsigned() && v.get<std::uint64_t>() >= min && v.get<std::uint64_t>() <= max;
    if (!in_range)
      fail(name(key), "want an integer in [" + std::to_string(min) + ", " + std::to_string(max) +
                          "], got " + v.dump());
    return v.get<std::uint64_t>();
  }

  std::string one_of(const std::string& key, const std::vector<std::string>& allowed) {
    const json& v = take(key);
    std::string want = "want one of";
    for (const auto& a : allowed) want += " \"" + a + "\"";
    if (!v.is_string()) fail(name(key), want + ", got " + v.dump());
    for (const auto& a : allowed)
      if (v.get<std::string>() == a) return a;
    fail(name(key), want + ", got " + v.dump());
  }

  void finish() const {
    for (const auto& [key, value] : object_->items())
      if (!seen_.contains(key)) fail(name(key), "unknown key");
  }

  [[noreturn]] static void fail(const std::string& path, const std::string& what) {
    throw AgentError("spec", path + ": " + what);
  }

 private:
  std::string name(const std::string& key) const { return path_ + "." + key; }

  const json& take(const std::string& key) {
    if (!object_->contains(key)) fail(name(key), "missing");
    seen_.insert(key);
    return object_->at(key);
  }

  std::string path_;
  const json* object_ = nullptr;
  std::set<std::string> seen_;
};

ServerSpec parse_server(const json& spec) {
  ObjectReader r(spec, "server", "server");
  ServerSpec s;
  s.backend = r.one_of("backend", backend_names());
  s.writeback_cache = r.boolean("writeback_cache");
  s.threads = static_cast<unsigned>(r.integer("threads", 1, 64));
  r.finish();
  return s;
}

WorkloadSpec parse_workload(const json& spec) {
  ObjectReader r(spec, "workload", "workload");
  WorkloadSpec w;
  w.kind = r.one_of("kind", workload_kinds());
  w.size_mib = r.integer("size_mib", 1, 1 << 20);
  w.block_kib = r.integer("block_kib", 1, 64 * 1024);
  w.fsync = r.boolean("fsync");
  r.finish();
  return w;
}

}  // namespace

Spec parse_spec(const json& j) {
  if (!j.is_object()) ObjectReader::fail("spec", "want an object, got " + j.dump());
  for (const auto& [key, value] : j.items())
    if (key != "server" && key != "workload") ObjectReader::fail(key, "unknown key");
  return Spec{parse_server(j), parse_workload(j)};
}

Spec parse_spec_text(const std::string& text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) throw AgentError("spec", "spec: not valid JSON");
  return parse_spec(j);
}

}  // namespace fuselab::agent
