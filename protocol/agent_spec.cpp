#include "protocol/agent_spec.h"

#include <set>

#include "protocol/channel.h"

namespace fuselab::protocol {

using nlohmann::json;

const std::vector<std::string>& backend_names() {
  static const std::vector<std::string> names = {"null", "memory", "passthrough", "stall",
                                                 "external"};
  return names;
}
const std::vector<std::string>& workload_kinds() {
  static const std::vector<std::string> names = {"seq-write", "mmap-write", "fio"};
  return names;
}
const std::vector<std::string>& alloc_modes() {
  static const std::vector<std::string> names = {"mmap", "malloc"};
  return names;
}
const std::vector<std::string>& on_stall_actions() {
  static const std::vector<std::string> names = {"wait", "abort"};
  return names;
}
const std::vector<std::string>& cgroup_versions() {
  static const std::vector<std::string> names = {"none", "v1", "v2"};
  return names;
}
const std::vector<std::string>& cgroup_placements() {
  static const std::vector<std::string> names = {"both-root", "both-nested", "server-root",
                                                 "workload-root"};
  return names;
}
const std::vector<std::string>& source_kinds() {
  static const std::vector<std::string> names = {"tmpfs", "disk"};
  return names;
}
const std::vector<std::string>& mglru_settings() {
  static const std::vector<std::string> names = {"default", "on", "off"};
  return names;
}

namespace {

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

  std::uint64_t integer(const std::string& key, Range range) {
    const std::uint64_t min = range.min, max = range.max;
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
    throw SpecError(path, what);
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

ServerSpec decode_server(const json& spec) {
  ObjectReader r(spec, "server", "server");
  ServerSpec s;
  s.backend = r.one_of("backend", backend_names());
  s.writeback_cache = r.boolean("writeback_cache");
  s.threads = static_cast<unsigned>(r.integer("threads", limits::kThreads));
  if (r.has("passthrough_dir")) s.passthrough_dir = r.text("passthrough_dir", limits::kDirBytes);
  if (r.has("stall_after_bytes"))
    s.stall_after_bytes = r.integer("stall_after_bytes", {0, limits::kStallAfterMib.max << 20});
  if (r.has("alloc_per_write_kib"))
    s.alloc_per_write_kib = r.integer("alloc_per_write_kib", limits::kAllocPerWriteKib);
  if (r.has("alloc_mode")) s.alloc_mode = r.one_of("alloc_mode", alloc_modes());
  if (r.has("write_delay_us"))
    s.write_delay_us = r.integer("write_delay_us", limits::kWriteDelayUs);
  if (r.has("max_write")) s.max_write = r.integer("max_write", limits::kMaxWrite);
  if (r.has("splice")) s.splice = r.boolean("splice");
  if (r.has("io_flusher")) s.io_flusher = r.boolean("io_flusher");
  if (r.has("max_ratio"))
    s.max_ratio = static_cast<unsigned>(r.integer("max_ratio", limits::kMaxRatio));
  if (r.has("strict_limit")) s.strict_limit = r.boolean("strict_limit");
  if (r.has("exec")) s.exec = r.argv("exec", limits::kExecArgs, limits::kExecArgBytes);
  if (s.backend == "external" && s.exec.empty())
    ObjectReader::fail("server.exec", "backend \"external\" needs the server's argv");
  if (s.backend != "external" && !s.exec.empty())
    ObjectReader::fail("server.exec", "only for backend \"external\"");
  if (r.has("source")) s.source = r.one_of("source", source_kinds());
  if (s.backend != "external" && s.source != "tmpfs")
    ObjectReader::fail("server.source", "only for backend \"external\"");
  r.finish();
  return s;
}

}  // namespace

bool server_may_count_rewrites(const AgentSpec& spec, std::uint64_t page_size) {
  return spec.workload.kind == "mmap-write" ||
         (spec.server.writeback_cache && (spec.workload.block_kib << 10) % page_size != 0);
}

namespace {

WorkloadSpec decode_workload(const json& spec) {
  ObjectReader r(spec, "workload", "workload");
  WorkloadSpec w;
  w.kind = r.one_of("kind", workload_kinds());
  w.size_mib = r.integer("size_mib", limits::kSizeMib);
  w.block_kib = r.integer("block_kib", limits::kBlockKib);
  w.fsync = r.boolean("fsync");
  w.jobs = 1;
  if (r.has("jobs")) w.jobs = static_cast<unsigned>(r.integer("jobs", limits::kJobs));
  if (w.kind != "fio" && w.jobs != 1) ObjectReader::fail("workload.jobs", "only for kind \"fio\"");
  if (r.has("warmup_mib")) w.warmup_mib = r.integer("warmup_mib", limits::kWarmupMib);
  if (w.kind == "mmap-write" && w.warmup_mib != 0)
    ObjectReader::fail("workload.warmup_mib", "only for kinds \"seq-write\" and \"fio\"");
  // Each fio job writes size_mib / jobs: a remainder would make the total differ from size_mib.
  if (w.size_mib % w.jobs != 0)
    ObjectReader::fail("workload.size_mib",
                       "want a multiple of jobs (" + std::to_string(w.jobs) + ")");
  r.finish();
  return w;
}

PressureSpec decode_pressure(const json& spec) {
  PressureSpec p;
  if (!spec.contains("pressure")) return p;
  ObjectReader r(spec, "pressure", "pressure");
  if (r.has("hog_percent"))
    p.hog_percent = static_cast<unsigned>(r.integer("hog_percent", limits::kHogPercent));
  if (r.has("hog_mib")) p.hog_mib = r.integer("hog_mib", limits::kHogMib);
  if (p.hog_percent != 0 && p.hog_mib != 0)
    ObjectReader::fail("pressure", "give hog_percent or hog_mib, not both");
  r.finish();
  return p;
}

MonitorSpec decode_monitor(const json& spec) {
  MonitorSpec m;
  if (!spec.contains("monitor")) return m;  // optional object: a v1 host does not send it
  ObjectReader r(spec, "monitor", "monitor");
  if (r.has("stall_after_s"))
    m.stall_after_s = static_cast<unsigned>(r.integer("stall_after_s", limits::kStallAfterS));
  if (r.has("sysrq")) m.sysrq = r.boolean("sysrq");
  if (r.has("on_stall")) m.on_stall = r.one_of("on_stall", on_stall_actions());
  if (r.has("hung_task_timeout_secs"))
    m.hung_task_timeout_secs =
        static_cast<unsigned>(r.integer("hung_task_timeout_secs", limits::kHungTaskTimeoutSecs));
  if (r.has("evidence")) m.evidence = r.boolean("evidence");
  r.finish();
  return m;
}

CgroupSpec decode_cgroup(const json& spec) {
  CgroupSpec c;
  if (!spec.contains("cgroup")) return c;
  ObjectReader r(spec, "cgroup", "cgroup");
  if (r.has("version")) c.version = r.one_of("version", cgroup_versions());
  if (r.has("placement")) c.placement = r.one_of("placement", cgroup_placements());
  if (r.has("memory_limit_mib"))
    c.memory_limit_mib = r.integer("memory_limit_mib", limits::kMemoryLimitMib);
  if (r.has("mglru")) c.mglru = r.one_of("mglru", mglru_settings());
  r.finish();
  return c;
}

}  // namespace

json encode_agent_spec(const AgentSpec& spec) {
  const ServerSpec& s = spec.server;
  json server = {{"backend", s.backend},       {"writeback_cache", s.writeback_cache},
                 {"threads", s.threads},       {"alloc_per_write_kib", s.alloc_per_write_kib},
                 {"alloc_mode", s.alloc_mode}, {"splice", s.splice},
                 {"io_flusher", s.io_flusher}};
  if (s.passthrough_dir != ServerSpec{}.passthrough_dir)
    server["passthrough_dir"] = s.passthrough_dir;
  if (s.backend == "stall") server["stall_after_bytes"] = s.stall_after_bytes;
  if (s.max_write) server["max_write"] = s.max_write;  // 0: leave libfuse's default
  if (s.write_delay_us) server["write_delay_us"] = s.write_delay_us;
  if (s.max_ratio) server["max_ratio"] = *s.max_ratio;
  if (s.strict_limit) server["strict_limit"] = *s.strict_limit;
  if (s.backend == "external") server["exec"] = s.exec;
  if (s.source != "tmpfs") server["source"] = s.source;
  const WorkloadSpec& w = spec.workload;
  json workload = {
      {"kind", w.kind}, {"size_mib", w.size_mib}, {"block_kib", w.block_kib}, {"fsync", w.fsync}};
  if (w.kind == "fio") workload["jobs"] = w.jobs;
  if (w.warmup_mib != 0) workload["warmup_mib"] = w.warmup_mib;
  json j{{"server", server},
         {"monitor",
          {{"stall_after_s", spec.monitor.stall_after_s},
           {"sysrq", spec.monitor.sysrq},
           {"on_stall", spec.monitor.on_stall},
           {"hung_task_timeout_secs", spec.monitor.hung_task_timeout_secs}}},
         {"cgroup",
          {{"version", spec.cgroup.version},
           {"placement", spec.cgroup.placement},
           {"memory_limit_mib", spec.cgroup.memory_limit_mib},
           {"mglru", spec.cgroup.mglru}}},
         {"workload", workload}};
  if (spec.monitor.evidence) j["monitor"]["evidence"] = true;  // only when asked: as pressure
  // Only when asked for: an older agent rejects the key, and a cell without pressure needs none.
  if (spec.pressure.hog_percent != 0 || spec.pressure.hog_mib != 0) {
    j["pressure"] = spec.pressure.hog_mib != 0 ? json{{"hog_mib", spec.pressure.hog_mib}}
                                               : json{{"hog_percent", spec.pressure.hog_percent}};
  }
  return j;
}

AgentSpec decode_agent_spec(const json& j) {
  if (!j.is_object()) ObjectReader::fail("spec", "want an object, got " + j.dump());
  for (const auto& [key, value] : j.items())
    if (key != "server" && key != "workload" && key != "monitor" && key != "cgroup" &&
        key != "pressure")
      ObjectReader::fail(key, "unknown key");
  return AgentSpec{decode_server(j), decode_workload(j), decode_monitor(j), decode_cgroup(j),
                   decode_pressure(j)};
}

AgentSpec decode_agent_spec_text(const std::string& text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) throw SpecError("spec", "not valid JSON");
  return decode_agent_spec(j);
}

std::string run_message_line(const AgentSpec& spec, bool stay_up, bool shell) {
  json msg{{"msg", message_name(MessageType::Run)}, {"spec", encode_agent_spec(spec)}};
  // Only when set: an agent older than the key would not know it.
  if (stay_up) msg["stay_up"] = true;
  if (shell) msg["shell"] = true;
  return msg.dump() + "\n";
}

namespace {

// An optional boolean of the run message: absent is false, anything but a boolean is an error.
bool decode_run_flag(const json& msg, const std::string& key) {
  if (!msg.is_object() || !msg.contains(key)) return false;
  if (!msg.at(key).is_boolean())
    throw SpecError(key, "want true or false, got " + msg.at(key).dump());
  return msg.at(key).get<bool>();
}

}  // namespace

bool decode_stay_up(const json& msg) { return decode_run_flag(msg, "stay_up"); }

bool decode_shell(const json& msg) {
  bool shell = decode_run_flag(msg, "shell");
  // The shell lives on after the cell only in a guest that stays up: a guest that powers off
  // after its bye would take the user's shell with it mid-command.
  if (shell && !decode_stay_up(msg)) throw SpecError("shell", "only with stay_up");
  return shell;
}

AgentSpec decode_run_message(const json& msg) {
  const json* type = msg.is_object() && msg.contains("msg") ? &msg.at("msg") : nullptr;
  if (!type || *type != message_name(MessageType::Run))
    throw SpecError(
        "msg", "expected a run message, got " + (type ? type->dump() : std::string("no \"msg\"")));
  if (!msg.contains("spec")) throw SpecError("run", "missing spec");
  return decode_agent_spec(msg.at("spec"));
}

}  // namespace fuselab::protocol
