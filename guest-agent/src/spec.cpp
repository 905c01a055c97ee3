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

  // Keys added after v1 are optional: read them only when present.
  bool has(const std::string& key) const { return object_->contains(key); }

  std::string text(const std::string& key, std::size_t max_size) {
    const json& v = take(key);
    if (!v.is_string() || v.get<std::string>().empty() || v.get<std::string>().size() > max_size)
      fail(name(key), "want a non-empty string of at most " + std::to_string(max_size) +
                          " bytes, got " + v.dump());
    return v.get<std::string>();
  }

  // A non-empty array of non-empty strings (an argv), bounded in count and size.
  std::vector<std::string> argv(const std::string& key, std::size_t max_count,
                                std::size_t max_size) {
    const json& v = take(key);
    bool good = v.is_array() && !v.empty() && v.size() <= max_count;
    std::vector<std::string> out;
    for (std::size_t i = 0; good && i < v.size(); ++i) {
      good = v[i].is_string() && !v[i].get<std::string>().empty() &&
             v[i].get<std::string>().size() <= max_size;
      if (good) out.push_back(v[i].get<std::string>());
    }
    if (!good)
      fail(name(key), "want an array of 1-" + std::to_string(max_count) +
                          " non-empty strings of at most " + std::to_string(max_size) +
                          " bytes, got " + v.dump());
    return out;
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
  std::vector<std::string> backends = backend_names();
  backends.push_back("external");
  s.backend = r.one_of("backend", backends);
  s.writeback_cache = r.boolean("writeback_cache");
  s.threads = static_cast<unsigned>(r.integer("threads", 1, 64));
  if (r.has("passthrough_dir")) s.passthrough_dir = r.text("passthrough_dir", 256);
  if (r.has("stall_after_bytes"))
    s.stall_after_bytes = r.integer("stall_after_bytes", 0, 1ull << 50);
  if (r.has("alloc_per_write_kib"))
    s.alloc_per_write_kib = r.integer("alloc_per_write_kib", 0, 1 << 20);
  if (r.has("alloc_mode")) s.alloc_mode = r.one_of("alloc_mode", {"mmap", "malloc"});
  // libfuse's receive buffer holds 256 pages of payload: it cannot take more per request.
  if (r.has("max_write")) s.max_write = r.integer("max_write", 4096, 1 << 20);
  if (r.has("splice")) s.splice = r.boolean("splice");
  if (r.has("io_flusher")) s.io_flusher = r.boolean("io_flusher");
  if (r.has("max_ratio")) s.max_ratio = static_cast<unsigned>(r.integer("max_ratio", 0, 100));
  if (r.has("strict_limit")) s.strict_limit = r.boolean("strict_limit");
  if (r.has("exec")) s.exec = r.argv("exec", 64, 4096);
  if (s.backend == "external" && s.exec.empty())
    ObjectReader::fail("server.exec", "backend \"external\" needs the server's argv");
  if (s.backend != "external" && !s.exec.empty())
    ObjectReader::fail("server.exec", "only for backend \"external\"");
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
  if (r.has("jobs")) w.jobs = static_cast<unsigned>(r.integer("jobs", 1, 64));
  if (w.kind != "fio" && w.jobs != 1) ObjectReader::fail("workload.jobs", "only for kind \"fio\"");
  // Each fio job writes size_mib / jobs: a remainder would make the total differ from size_mib.
  if (w.size_mib % w.jobs != 0)
    ObjectReader::fail("workload.size_mib",
                       "want a multiple of jobs (" + std::to_string(w.jobs) + ")");
  r.finish();
  return w;
}

PressureSpec parse_pressure(const json& spec) {
  PressureSpec p;
  if (!spec.contains("pressure")) return p;
  ObjectReader r(spec, "pressure", "pressure");
  // Above 95 % of a limit the hog alone would make the cell an OOM test, not a pressure test.
  if (r.has("hog_percent")) p.hog_percent = static_cast<unsigned>(r.integer("hog_percent", 0, 95));
  if (r.has("hog_mib")) p.hog_mib = r.integer("hog_mib", 0, 1 << 20);
  if (p.hog_percent != 0 && p.hog_mib != 0)
    ObjectReader::fail("pressure", "give hog_percent or hog_mib, not both");
  r.finish();
  return p;
}

MonitorSpec parse_monitor(const json& spec) {
  MonitorSpec m;
  if (!spec.contains("monitor")) return m;  // optional object: a v1 host does not send it
  ObjectReader r(spec, "monitor", "monitor");
  if (r.has("stall_after_s"))
    m.stall_after_s = static_cast<unsigned>(r.integer("stall_after_s", 0, 86400));
  if (r.has("sysrq")) m.sysrq = r.boolean("sysrq");
  if (r.has("on_stall")) m.on_stall = r.one_of("on_stall", {"wait", "abort"});
  if (r.has("hung_task_timeout_secs"))
    m.hung_task_timeout_secs = static_cast<unsigned>(r.integer("hung_task_timeout_secs", 0, 3600));
  r.finish();
  return m;
}

CgroupSpec parse_cgroup(const json& spec) {
  CgroupSpec c;
  if (!spec.contains("cgroup")) return c;
  ObjectReader r(spec, "cgroup", "cgroup");
  if (r.has("version")) c.version = r.one_of("version", {"none", "v1", "v2"});
  if (r.has("placement"))
    c.placement =
        r.one_of("placement", {"both-root", "both-nested", "server-root", "workload-root"});
  if (r.has("memory_limit_mib")) c.memory_limit_mib = r.integer("memory_limit_mib", 0, 1 << 20);
  if (r.has("mglru")) c.mglru = r.one_of("mglru", {"default", "on", "off"});
  r.finish();
  return c;
}

}  // namespace

Spec parse_spec(const json& j) {
  if (!j.is_object()) ObjectReader::fail("spec", "want an object, got " + j.dump());
  for (const auto& [key, value] : j.items())
    if (key != "server" && key != "workload" && key != "monitor" && key != "cgroup" &&
        key != "pressure")
      ObjectReader::fail(key, "unknown key");
  return Spec{parse_server(j), parse_workload(j), parse_monitor(j), parse_cgroup(j),
              parse_pressure(j)};
}

Spec parse_spec_text(const std::string& text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) throw AgentError("spec", "spec: not valid JSON");
  return parse_spec(j);
}

}  // namespace fuselab::agent
