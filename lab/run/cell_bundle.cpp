#include "run/cell_bundle.h"

#include <sys/stat.h>

#include "common/hash.h"
#include "common/json_fields.h"
#include "common/paths.h"
#include "protocol/channel.h"

namespace fuselab {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// `hash`: the file's sha256 too. The base image is not hashed: its name is already its content
// key, and reading a few hundred MiB per cell would cost about a second each.
json file_identity(const fs::path& file, bool hash) {
  if (file.empty()) return nullptr;
  std::error_code ec;
  auto size = fs::file_size(file, ec);
  if (ec) return {{"file", file.filename().string()}, {"missing", ec.message()}};
  json id = {{"file", file.filename().string()}, {"bytes", size}};
  if (hash) id["sha256"] = sha256_file(file);
  return id;
}

// No value of the plan or the run is spliced in: the script finds its directory at run time.
constexpr const char* kReproScript =
    "#!/bin/sh\n"
    "# Boot this cell again in the foreground, its console on the terminal, until Ctrl-C.\n"
    "# FUSELAB names the fuselab binary (default: the one on PATH); arguments are passed on\n"
    "# (e.g. --accel tcg, --connect qemu:///system, --results DIR).\n"
    "exec \"${FUSELAB:-fuselab}\" repro \"$(dirname \"$0\")\" \"$@\"\n";

}  // namespace

json cell_bundle_json(const CellSpec& cell, const BootArtifacts& boot, const json& agent_hello) {
  return {{"cell", cell.id},
          {"plan", "../plan.yaml"},
          {"kernel",
           {{"value", cell.kernel},
            {"release", boot.kernel_release},
            {"source", boot.kernel_source},
            {"image", file_identity(boot.kernel, true)},
            {"initrd", file_identity(boot.initrd, true)}}},
          // The base image's file name is its content key (images/README.md): it names the recipe,
          // the root filesystem and the agent that went into it.
          {"image", {{"recipe", cell.image}, {"base", file_identity(boot.base_image, false)}}},
          {"cmdline", cell_cmdline(cell)},
          {"accel", to_string(boot.accel)},
          {"agent",
           {{"version", json_string_field(agent_hello, "agent").value_or("")},
            {"proto", protocol::kVersion},
            {"guest_kernel", json_string_field(agent_hello, "kernel").value_or("")}}},
          {"repro", "repro.sh"}};
}

void write_cell_bundle(const fs::path& cell_dir, const CellSpec& cell, const BootArtifacts& boot,
                       const json& agent_hello) {
  write_file_atomic(cell_dir / "bundle.json",
                    cell_bundle_json(cell, boot, agent_hello).dump(2) + "\n");
  write_file_atomic(cell_dir / "repro.sh", kReproScript);
  ::chmod((cell_dir / "repro.sh").c_str(), 0755);
}

}  // namespace fuselab
