#include "workload/fio_json.h"

#include <algorithm>

namespace fuselab::agent {
namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& what) { throw FioParseError("fio output: " + what); }

const json& member(const json& object, const char* key, const std::string& path) {
  if (!object.is_object() || !object.contains(key)) fail(path + "." + key + ": missing");
  return object.at(key);
}

double number(const json& object, const char* key, const std::string& path) {
  const json& v = member(object, key, path);
  if (!v.is_number() || v.get<double>() < 0) fail(path + "." + key + ": not a number >= 0");
  return v.get<double>();
}

// clat_ns.percentile["50.000000"] in microseconds; nullopt when fio did not report percentiles.
std::optional<double> percentile_us(const json& write, const char* key) {
  if (!write.contains("clat_ns") || !write["clat_ns"].is_object()) return std::nullopt;
  const json& clat = write["clat_ns"];
  if (!clat.contains("percentile") || !clat["percentile"].is_object()) return std::nullopt;
  const json& p = clat["percentile"];
  if (!p.contains(key) || !p[key].is_number()) return std::nullopt;
  return p[key].get<double>() / 1000.0;
}

void keep_max(std::optional<double>& into, std::optional<double> v) {
  if (v && (!into || *v > *into)) into = v;
}

}  // namespace

FioSummary parse_fio_json(std::string_view text) {
  if (text.size() > kMaxFioOutput) fail("larger than " + std::to_string(kMaxFioOutput) + " bytes");
  // The JSON object starts at the first line that opens with '{' and ends at the last '}':
  // fio may print "fio: ..." notes around it on the same stream.
  std::size_t start = text.starts_with('{') ? 0 : text.find("\n{");
  std::size_t end = text.rfind('}');
  if (start == text.npos || end == text.npos || end < start) fail("no JSON object");
  if (text[start] == '\n') ++start;
  json root = json::parse(text.substr(start, end - start + 1), nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) fail("not valid JSON");
  if (!root.is_object()) fail("not a JSON object");
  FioSummary s;
  if (root.contains("fio version") && root["fio version"].is_string())
    s.version = root["fio version"].get<std::string>().substr(0, 64);
  const json& jobs = member(root, "jobs", "");
  if (!jobs.is_array() || jobs.empty()) fail(".jobs: want a non-empty array");
  if (jobs.size() > 4096) fail(".jobs: more than 4096 entries");
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    const std::string path = "jobs[" + std::to_string(i) + "]";
    const json& job = jobs[i];
    if (!job.is_object()) fail(path + ": not an object");
    if (job.contains("error") && job["error"].is_number_integer() && s.error == 0)
      s.error = job["error"].get<int>();
    const json& write = member(job, "write", path);
    // A double beyond 2^64 would make the conversion undefined: such a count is not fio's.
    double io_bytes = number(write, "io_bytes", path + ".write");
    if (io_bytes >= 18446744073709551616.0) fail(path + ".write.io_bytes: out of range");
    s.io_bytes += static_cast<std::uint64_t>(io_bytes);
    s.bw_bytes += number(write, "bw_bytes", path + ".write");
    s.iops += number(write, "iops", path + ".write");
    keep_max(s.clat_p50_us, percentile_us(write, "50.000000"));
    keep_max(s.clat_p99_us, percentile_us(write, "99.000000"));
  }
  s.jobs = static_cast<unsigned>(jobs.size());
  return s;
}

nlohmann::json to_json(const FioSummary& s) {
  auto opt = [](const std::optional<double>& v) { return v ? json(*v) : json(); };
  return {{"version", s.version},
          {"jobs", s.jobs},
          {"io_bytes", s.io_bytes},
          {"bw_bytes", s.bw_bytes},
          {"iops", s.iops},
          {"clat_p50_us", opt(s.clat_p50_us)},
          {"clat_p99_us", opt(s.clat_p99_us)},
          {"error", s.error}};
}

}  // namespace fuselab::agent
