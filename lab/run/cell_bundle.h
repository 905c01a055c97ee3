// Every cell directory carries what it takes to replay the cell, here or on another machine:
// bundle.json (the identities of what it booted: kernel value, release and hashes, image and its
// content-keyed base image, the kernel command line, the agent's version and the accelerator)
// and repro.sh, one line calling `fuselab repro` on the directory. The plan's own text is
// plan.yaml in the run directory: repro reads the cell from there and rebuilds missing
// artifacts from their recipes.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>

#include "config/cell_spec.h"
#include "run/cell_runner.h"

namespace fuselab {

nlohmann::json cell_bundle_json(const CellSpec& cell, const BootArtifacts& boot,
                                const nlohmann::json& agent_hello);

// Writes bundle.json and repro.sh into `cell_dir`.
void write_cell_bundle(const std::filesystem::path& cell_dir, const CellSpec& cell,
                       const BootArtifacts& boot, const nlohmann::json& agent_hello);

}  // namespace fuselab
