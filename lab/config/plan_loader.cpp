#include "config/plan_loader.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <functional>
#include <regex>

#include "common/paths.h"
#include "common/safe_name.h"
#include "common/verdict_names.h"
#include "config/yaml_checks.h"

namespace fuselab {
namespace {

// Parsing context: where we are, for messages.
struct Where {
  const std::string& file;
  std::string path;  // dotted key path, e.g. cells[2].server.threads
};

// The line of a document marker that starts a second document: "---" after content, or any
// content after "...". Markers only count at the start of a line, as in YAML.
int second_document_line(const std::string& text) {
  bool content = false, ended = false;
  int number = 0;
  for (size_t at = 0; at < text.size();) {
    size_t nl = text.find('\n', at);
    std::string_view line(text.data() + at, (nl == std::string::npos ? text.size() : nl) - at);
    at = nl == std::string::npos ? text.size() : nl + 1;
    ++number;
    auto marker = [&](std::string_view m) {
      return line.starts_with(m) && (line.size() == m.size() || line[m.size()] == ' ' ||
                                     line[m.size()] == '\t' || line[m.size()] == '\r');
    };
    if (marker("---")) {
      if (content || ended) return number;
      content = line.find_first_not_of(" \t\r", 3) != std::string_view::npos;  // "--- value"
      continue;
    }
    if (marker("...")) {
      ended = true;
      continue;
    }
    auto first = line.find_first_not_of(" \t\r");
    if (first == std::string_view::npos || line[first] == '#') continue;
    if (line[0] == '%') continue;  // a directive, before the document
    if (ended) return number;
    content = true;
  }
  return 0;
}

ConfigError error_at(const Where& w, const YAML::Node& node, const std::string& problem,
                     const std::string& hint = {}) {
  auto mark = node.Mark();  // a node built in memory has no mark (-1): point at the file's start
  return ConfigError(w.file, std::max(mark.line, 0) + 1, std::max(mark.column, 0) + 1, w.path,
                     problem, hint);
}

ValueOrigin origin(const Where& w, const YAML::Node& node) {
  auto mark = node.Mark();
  return ValueOrigin{w.file, std::max(mark.line, 0) + 1, std::max(mark.column, 0) + 1, w.path};
}

std::string scalar(const Where& w, const YAML::Node& node) {
  // YAML reads a bare `null` as the null value; for names (the null backend) it means "null".
  if (node.IsNull()) return "null";
  if (!node.IsScalar()) throw error_at(w, node, "expected a single value");
  return node.Scalar();
}

// Digits only: no sign, no spaces, no hex, no exponent. Text too large for any type is out of
// range like any other large value, not an error of its own kind.
unsigned number(const Where& w, const YAML::Node& node, unsigned lo, unsigned hi) {
  std::string text = scalar(w, node);
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) {
    throw error_at(w, node, "'" + text + "' is not a whole number");
  }
  unsigned long long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < lo || value > hi) {
    throw error_at(w, node,
                   "bad value " + (text.size() > 40 ? text.substr(0, 40) + "..." : text) +
                       ", want [" + std::to_string(lo) + "-" + std::to_string(hi) + "]");
  }
  return static_cast<unsigned>(value);
}

// A key the agent reads too: its range is the protocol's, so host and agent accept the same.
unsigned number(const Where& w, const YAML::Node& node, protocol::Range range) {
  return number(w, node, static_cast<unsigned>(range.min), static_cast<unsigned>(range.max));
}

bool boolean(const Where& w, const YAML::Node& node) {
  std::string text = scalar(w, node);
  if (text == "true" || text == "on" || text == "yes") return true;
  if (text == "false" || text == "off" || text == "no") return false;
  throw error_at(w, node, "'" + text + "' is not a boolean", "use true or false");
}

std::string one_of(const Where& w, const YAML::Node& node,
                   const std::vector<std::string>& allowed) {
  std::string text = scalar(w, node);
  if (std::find(allowed.begin(), allowed.end(), text) != allowed.end()) return text;
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  std::string near = closest_match(text, allowed);
  throw error_at(w, node, "unknown value '" + text + "'",
                 (near.empty() ? "" : "did you mean '" + near + "'? ") + "known: " + list);
}

// An argv: a non-empty sequence of non-empty single values, sent to the guest as an array and
// exec'd there without a shell.
std::vector<std::string> argv(const Where& w, const YAML::Node& node) {
  if (!node.IsSequence() || node.size() == 0 || node.size() > 64) {
    throw error_at(w, node, "expected a list of 1-64 arguments",
                   "e.g. [/usr/local/bin/passthrough_ll, -f, '{mountpoint}']");
  }
  std::vector<std::string> out;
  for (const auto& item : node) {
    std::string text = scalar(w, item);
    bool printable = std::all_of(text.begin(), text.end(),
                                 [](unsigned char ch) { return ch >= 0x20 && ch != 0x7f; });
    if (text.empty() || text.size() > 4096 || !printable) {
      throw error_at(w, item, "an argument must be 1-4096 printable characters");
    }
    out.push_back(text);
  }
  return out;
}

// A table of keys for one mapping: key -> how to apply its value.
template <typename Target>
using FieldTable = std::vector<
    std::pair<std::string, std::function<void(const Where&, const YAML::Node&, Target&)>>>;

template <typename Target>
void apply_fields(const Where& w, const YAML::Node& map, const FieldTable<Target>& table,
                  Target& target) {
  if (!map.IsMap()) throw error_at(w, map, "expected a mapping of keys to values");
  std::vector<std::string> known;
  for (const auto& [key, _] : table) known.push_back(key);
  for (const auto& entry : map) {
    std::string key = entry.first.Scalar();
    Where inner{w.file, w.path.empty() ? key : w.path + "." + key};
    auto it =
        std::find_if(table.begin(), table.end(), [&](const auto& f) { return f.first == key; });
    if (it == table.end()) {
      std::string near = closest_match(key, known);
      throw error_at(inner, entry.first, "unknown key",
                     near.empty() ? "" : "did you mean '" + near + "'?");
    }
    it->second(inner, entry.second, target);
  }
}

const FieldTable<ServerSpec>& server_fields() {
  static const FieldTable<ServerSpec> table = {
      {"backend", [](const Where& w, const YAML::Node& n,
                     ServerSpec& s) { s.backend = one_of(w, n, protocol::backend_names()); }},
      {"writeback_cache", [](const Where& w, const YAML::Node& n,
                             ServerSpec& s) { s.writeback_cache = boolean(w, n); }},
      {"threads", [](const Where& w, const YAML::Node& n,
                     ServerSpec& s) { s.threads = number(w, n, protocol::limits::kThreads); }},
      {"stall_after_mib",
       [](const Where& w, const YAML::Node& n, ServerSpec& s) {
         s.stall_after_bytes =
             static_cast<unsigned long long>(number(w, n, protocol::limits::kStallAfterMib)) << 20;
       }},
      {"alloc_per_write_kib",
       [](const Where& w, const YAML::Node& n, ServerSpec& s) {
         s.alloc_per_write_kib = number(w, n, protocol::limits::kAllocPerWriteKib);
       }},
      {"write_delay_us",
       [](const Where& w, const YAML::Node& n, ServerSpec& s) {
         s.write_delay_us = number(w, n, protocol::limits::kWriteDelayUs);
       }},
      {"alloc_mode", [](const Where& w, const YAML::Node& n,
                        ServerSpec& s) { s.alloc_mode = one_of(w, n, protocol::alloc_modes()); }},
      {"max_write", [](const Where& w, const YAML::Node& n,
                       ServerSpec& s) { s.max_write = number(w, n, protocol::limits::kMaxWrite); }},
      {"splice",
       [](const Where& w, const YAML::Node& n, ServerSpec& s) { s.splice = boolean(w, n); }},
      {"io_flusher",
       [](const Where& w, const YAML::Node& n, ServerSpec& s) { s.io_flusher = boolean(w, n); }},
      {"max_ratio", [](const Where& w, const YAML::Node& n,
                       ServerSpec& s) { s.max_ratio = number(w, n, protocol::limits::kMaxRatio); }},
      {"strict_limit",
       [](const Where& w, const YAML::Node& n, ServerSpec& s) { s.strict_limit = boolean(w, n); }},
      {"exec", [](const Where& w, const YAML::Node& n, ServerSpec& s) { s.exec = argv(w, n); }},
      {"source", [](const Where& w, const YAML::Node& n,
                    ServerSpec& s) { s.source = one_of(w, n, protocol::source_kinds()); }},
  };
  return table;
}

const FieldTable<WorkloadSpec>& workload_fields() {
  static const FieldTable<WorkloadSpec> table = {
      {"kind", [](const Where& w, const YAML::Node& n,
                  WorkloadSpec& s) { s.kind = one_of(w, n, protocol::workload_kinds()); }},
      {"size_mib", [](const Where& w, const YAML::Node& n,
                      WorkloadSpec& s) { s.size_mib = number(w, n, protocol::limits::kSizeMib); }},
      {"block_kib",
       [](const Where& w, const YAML::Node& n, WorkloadSpec& s) {
         s.block_kib = number(w, n, protocol::limits::kBlockKib);
       }},
      {"fsync",
       [](const Where& w, const YAML::Node& n, WorkloadSpec& s) { s.fsync = boolean(w, n); }},
      {"jobs", [](const Where& w, const YAML::Node& n,
                  WorkloadSpec& s) { s.jobs = number(w, n, protocol::limits::kJobs); }},
      {"warmup_mib",
       [](const Where& w, const YAML::Node& n, WorkloadSpec& s) {
         s.warmup_mib = number(w, n, protocol::limits::kWarmupMib);
       }},
  };
  return table;
}

const FieldTable<PressureSpec>& pressure_fields() {
  static const FieldTable<PressureSpec> table = {
      {"hog_percent",
       [](const Where& w, const YAML::Node& n, PressureSpec& p) {
         p.hog_percent = number(w, n, protocol::limits::kHogPercent);
       }},
      {"hog_mib", [](const Where& w, const YAML::Node& n,
                     PressureSpec& p) { p.hog_mib = number(w, n, protocol::limits::kHogMib); }},
  };
  return table;
}

const FieldTable<MonitorSpec>& monitor_fields() {
  static const FieldTable<MonitorSpec> table = {
      {"stall_after_s",
       [](const Where& w, const YAML::Node& n, MonitorSpec& m) {
         m.stall_after_s = number(w, n, protocol::limits::kStallAfterS);
       }},
      {"sysrq",
       [](const Where& w, const YAML::Node& n, MonitorSpec& m) { m.sysrq = boolean(w, n); }},
      {"on_stall", [](const Where& w, const YAML::Node& n,
                      MonitorSpec& m) { m.on_stall = one_of(w, n, protocol::on_stall_actions()); }},
      {"hung_task_timeout_secs",
       [](const Where& w, const YAML::Node& n, MonitorSpec& m) {
         m.hung_task_timeout_secs = number(w, n, protocol::limits::kHungTaskTimeoutSecs);
       }},
  };
  return table;
}

const FieldTable<CgroupSpec>& cgroup_fields() {
  static const FieldTable<CgroupSpec> table = {
      {"version", [](const Where& w, const YAML::Node& n,
                     CgroupSpec& c) { c.version = one_of(w, n, protocol::cgroup_versions()); }},
      {"placement",
       [](const Where& w, const YAML::Node& n, CgroupSpec& c) {
         c.placement = one_of(w, n, protocol::cgroup_placements());
       }},
      {"memory_limit_mib",
       [](const Where& w, const YAML::Node& n, CgroupSpec& c) {
         c.memory_limit_mib = number(w, n, protocol::limits::kMemoryLimitMib);
       }},
      {"mglru", [](const Where& w, const YAML::Node& n,
                   CgroupSpec& c) { c.mglru = one_of(w, n, protocol::mglru_settings()); }},
  };
  return table;
}

const FieldTable<CellSpec>& cell_fields() {
  static const std::regex kIdPattern("[a-z0-9][a-z0-9_.-]{0,47}");
  static const FieldTable<CellSpec> table = {
      {"id",
       [](const Where& w, const YAML::Node& n, CellSpec& c) {
         c.id = scalar(w, n);
         if (!std::regex_match(c.id, kIdPattern)) {
           throw error_at(
               w, n, "bad cell id '" + c.id + "'",
               "use 1-48 characters of a-z, 0-9, '-', '_', '.', starting with a letter or digit");
         }
       }},
      {"kernel",
       [](const Where& w, const YAML::Node& n, CellSpec& c) {
         c.kernel = scalar(w, n);
         c.kernel_origin = origin(w, n);
       }},
      {"image",
       [](const Where& w, const YAML::Node& n, CellSpec& c) {
         c.image = scalar(w, n);
         c.image_origin = origin(w, n);
         // The name becomes a path (images/guest/<name>.recipe).
         if (!is_safe_name(c.image, 64)) {
           throw error_at(w, n, "bad image name '" + c.image + "'",
                          "an image is a recipe name under images/guest/, e.g. bookworm");
         }
       }},
      {"memory_mib", [](const Where& w, const YAML::Node& n,
                        CellSpec& c) { c.memory_mib = number(w, n, 128, 65536); }},
      {"vcpus",
       [](const Where& w, const YAML::Node& n, CellSpec& c) { c.vcpus = number(w, n, 1, 64); }},
      {"boot_timeout_s", [](const Where& w, const YAML::Node& n,
                            CellSpec& c) { c.boot_timeout_s = number(w, n, 5, 3600); }},
      {"cell_timeout_s", [](const Where& w, const YAML::Node& n,
                            CellSpec& c) { c.cell_timeout_s = number(w, n, 10, 86400); }},
      {"silence_timeout_s", [](const Where& w, const YAML::Node& n,
                               CellSpec& c) { c.silence_timeout_s = number(w, n, 5, 86400); }},
      {"infra_retries", [](const Where& w, const YAML::Node& n,
                           CellSpec& c) { c.infra_retries = number(w, n, 0, 10); }},
      {"expect", [](const Where& w, const YAML::Node& n,
                    CellSpec& c) { c.expect = one_of(w, n, known_verdict_names()); }},
      {"kernel_cmdline",
       [](const Where& w, const YAML::Node& n, CellSpec& c) {
         c.kernel_cmdline = scalar(w, n);
         bool printable = std::all_of(c.kernel_cmdline.begin(), c.kernel_cmdline.end(),
                                      [](unsigned char ch) { return ch >= 0x20 && ch < 0x7f; });
         if (!printable || c.kernel_cmdline.size() > 1024) {
           throw error_at(w, n, "kernel_cmdline must be printable ASCII, at most 1024 characters");
         }
       }},
      {"server", [](const Where& w, const YAML::Node& n,
                    CellSpec& c) { apply_fields(w, n, server_fields(), c.server); }},
      {"workload", [](const Where& w, const YAML::Node& n,
                      CellSpec& c) { apply_fields(w, n, workload_fields(), c.workload); }},
      {"monitor", [](const Where& w, const YAML::Node& n,
                     CellSpec& c) { apply_fields(w, n, monitor_fields(), c.monitor); }},
      {"cgroup", [](const Where& w, const YAML::Node& n,
                    CellSpec& c) { apply_fields(w, n, cgroup_fields(), c.cgroup); }},
      {"pressure", [](const Where& w, const YAML::Node& n,
                      CellSpec& c) { apply_fields(w, n, pressure_fields(), c.pressure); }},
      {"expect_signature",
       [](const Where& w, const YAML::Node& n, CellSpec& c) { c.expect_signature = scalar(w, n); }},
      {"exclusive",
       [](const Where& w, const YAML::Node& n, CellSpec& c) { c.exclusive = boolean(w, n); }},
      {"evidence_s", [](const Where& w, const YAML::Node& n,
                        CellSpec& c) { c.evidence_s = number(w, n, 0, 600); }},
      {"confirm_s", [](const Where& w, const YAML::Node& n,
                       CellSpec& c) { c.confirm_s = number(w, n, 0, 600); }},
      // The trace and dmesg.txt of a cell that passes too (fuselab run --evidence).
      {"evidence", [](const Where& w, const YAML::Node& n,
                      CellSpec& c) { c.monitor.evidence = boolean(w, n); }},
      {"dump_on_hang",
       [](const Where& w, const YAML::Node& n, CellSpec& c) { c.dump_on_hang = boolean(w, n); }},
      // A host path; whether it exists is checked with the other artifacts (run/plan_check).
      {"upload",
       [](const Where& w, const YAML::Node& n, CellSpec& c) {
         c.upload = scalar(w, n);
         c.upload_origin = origin(w, n);
         // The last component names the guest path: no "..", no shell or path characters.
         const std::string name = upload_name(c);
         const bool plain_name = !name.empty() && name.size() <= 64 &&
                                 std::isalnum(static_cast<unsigned char>(name[0])) &&
                                 std::all_of(name.begin(), name.end(), [](unsigned char ch) {
                                   return std::isalnum(ch) || ch == '.' || ch == '-' || ch == '_';
                                 });
         if (c.upload.size() > 4096 || !plain_name) {
           throw error_at(w, n, "bad upload path '" + c.upload.substr(0, 80) + "'",
                          "a host file or directory whose name is letters, digits, '.', '-' or "
                          "'_', e.g. upload: build/myfs");
         }
       }},
  };
  return table;
}

void check_cell(const Where& w, const YAML::Node& node, const CellSpec& cell) {
  if (cell.id.empty()) throw error_at(w, node, "a cell needs an id");
  // Matrix ids are made of axis names and values: bounded here, where they become directories.
  if (cell.id.size() > kMaxCellIdLength) {
    throw error_at(w, node,
                   "cell id '" + cell.id.substr(0, 60) + "...' is too long (" +
                       std::to_string(cell.id.size()) + " characters, at most " +
                       std::to_string(kMaxCellIdLength) + ")",
                   "use shorter axis names or labels");
  }
  if (!is_safe_cell_id(cell.id)) throw error_at(w, node, "bad cell id '" + cell.id + "'");
  if (cell.server.backend == "stall" && cell.server.stall_after_bytes == 0 &&
      cell.expect == "PASS") {
    throw error_at(w, node, "a stall backend that stalls at once cannot PASS",
                   "set expect (HANG or STALL) or server.stall_after_mib");
  }
  if (cell.server.backend == "external" && cell.server.exec.empty()) {
    throw error_at(
        w, node, "backend external needs server.exec",
        "e.g. exec: [/usr/local/bin/passthrough_ll, -f, -o, 'source={source}', '{mountpoint}']");
  }
  if (cell.server.backend != "external" && !cell.server.exec.empty()) {
    throw error_at(w, node, "server.exec is only for backend external");
  }
  const bool exec_names_upload =
      std::any_of(cell.server.exec.begin(), cell.server.exec.end(),
                  [](const std::string& a) { return a.find("{upload}") != std::string::npos; });
  if (exec_names_upload && cell.upload.empty()) {
    throw error_at(w, node, "server.exec names {upload} but the cell has no upload",
                   "add upload: <host path of the server binary or directory>");
  }
  if (!cell.upload.empty() && !exec_names_upload) {
    throw error_at(w, node, "the cell uploads '" + cell.upload + "' but server.exec never names it",
                   "use {upload} in server.exec, e.g. exec: ['{upload}', -f, '{mountpoint}']");
  }
  if (cell.server.backend != "external" && cell.server.source != "tmpfs") {
    throw error_at(w, node, "server.source is only for backend external",
                   "it says where an external server's {source} directory lives");
  }
  if (cell.workload.kind != "fio" && cell.workload.jobs != 1) {
    throw error_at(w, node, "workload.jobs is only for kind fio");
  }
  if (cell.workload.kind == "mmap-write" && cell.workload.warmup_mib != 0) {
    throw error_at(w, node, "workload.warmup_mib is only for kinds seq-write and fio");
  }
  if (cell.workload.size_mib % cell.workload.jobs != 0) {
    throw error_at(w, node, "workload.size_mib must be a multiple of workload.jobs",
                   "each fio job writes size_mib / jobs");
  }
  if (cell.pressure.hog_percent != 0 && cell.pressure.hog_mib != 0) {
    throw error_at(w, node, "pressure: give hog_percent or hog_mib, not both");
  }
  if (cell.boot_timeout_s >= cell.cell_timeout_s) {
    throw error_at(w, node, "boot_timeout_s must be less than cell_timeout_s");
  }
}

}  // namespace

ConfigError::ConfigError(const std::string& file, int line, int column, const std::string& key,
                         const std::string& problem, const std::string& hint)
    : UserError(file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " +
                    (key.empty() ? "" : "key '" + key + "': ") + problem,
                hint),
      file_(file),
      line_(line),
      key_(key) {}

const std::vector<std::string>& known_verdict_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& [verdict, name] : kVerdictNames) v.emplace_back(name);
    return v;
  }();
  return names;
}

std::string closest_match(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  // Edit distance is quadratic: a key of a megabyte is no typo of a known one.
  if (word.size() > 64) return best;
  size_t best_distance = std::max<size_t>(2, word.size() / 3) + 1;
  for (const auto& cand : candidates) {
    std::vector<size_t> prev(cand.size() + 1), cur(cand.size() + 1);
    for (size_t j = 0; j <= cand.size(); ++j) prev[j] = j;
    for (size_t i = 1; i <= word.size(); ++i) {
      cur[0] = i;
      for (size_t j = 1; j <= cand.size(); ++j) {
        cur[j] =
            std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (word[i - 1] != cand[j - 1])});
      }
      std::swap(prev, cur);
    }
    if (prev[cand.size()] < best_distance) {
      best_distance = prev[cand.size()];
      best = cand;
    }
  }
  return best;
}

YAML::Node load_yaml(const std::string& yaml_text, const std::string& source) {
  if (yaml_text.size() > kMaxPlanBytes) {
    throw ConfigError(source, 1, 1, "",
                      "the plan is " + std::to_string(yaml_text.size()) + " bytes, more than " +
                          std::to_string(kMaxPlanBytes));
  }
  if (int line = second_document_line(yaml_text)) {
    throw ConfigError(source, line, 1, "",
                      "more than one YAML document ('---' or '...') in the plan",
                      "a plan is one document");
  }
  // YAML::Load, not LoadAll: yaml-cpp 0.7's LoadAll loops forever on some malformed input (found
  // by tests/fuzz/plan_fuzz); the marker scan above finds a second document instead.
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {  // ParserException, and DeepRecursion (nesting past 2000)
    throw ConfigError(source, std::max(e.mark.line, 0) + 1, std::max(e.mark.column, 0) + 1, "",
                      "malformed YAML: " + e.msg);
  }
  check_yaml_tree(root, source);
  return root;
}

ConfigError config_error(const std::string& source, const std::string& path, const YAML::Node& node,
                         const std::string& problem, const std::string& hint) {
  return error_at(Where{source, path}, node, problem, hint);
}

std::string config_scalar(const std::string& source, const std::string& path,
                          const YAML::Node& node) {
  return scalar(Where{source, path}, node);
}

unsigned config_number(const std::string& source, const std::string& path, const YAML::Node& node,
                       unsigned lo, unsigned hi) {
  return number(Where{source, path}, node, lo, hi);
}

void apply_cell_yaml(const std::string& source, const std::string& path, const YAML::Node& map,
                     CellSpec& cell) {
  apply_fields(Where{source, path}, map, cell_fields(), cell);
}

void check_cell_spec(const std::string& source, const std::string& path, const YAML::Node& node,
                     const CellSpec& cell) {
  check_cell(Where{source, path}, node, cell);
}

std::string read_plan_file(const std::filesystem::path& file) {
  namespace fs = std::filesystem;
  std::error_code ec;
  auto status = fs::status(file, ec);  // follows symlinks: a loop is ELOOP here
  if (ec && ec != std::errc::no_such_file_or_directory) {
    throw UserError("cannot read plan file '" + file.string() + "': " + ec.message());
  }
  if (!fs::exists(status)) {
    throw UserError("plan file '" + file.string() + "' does not exist",
                    "give the path of a YAML plan, e.g. configs/smoke.yaml");
  }
  // Not a FIFO or a device: reading /dev/zero or a pipe would never end.
  if (!fs::is_regular_file(status)) {
    throw UserError("plan file '" + file.string() + "' is not a regular file",
                    "give the path of a YAML plan, e.g. configs/smoke.yaml");
  }
  auto size = fs::file_size(file, ec);
  if (!ec && size > kMaxPlanBytes) {
    throw UserError("plan file '" + file.string() + "' is " + std::to_string(size) +
                    " bytes, more than " + std::to_string(kMaxPlanBytes));
  }
  return read_file(file);
}

}  // namespace fuselab
