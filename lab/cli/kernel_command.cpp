#include "cli/kernel_command.h"

#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/paths.h"
#include "common/stop_request.h"
#include "image/kernel_cache.h"
#include "image/kernel_steps.h"
#include "run/artifact_resolver.h"

namespace fs = std::filesystem;

namespace fuselab {
namespace {

int list_kernels(bool as_json) {
  auto kernels = list_cached_kernels(cache_dir() / "kernels");
  if (as_json) {
    auto out = nlohmann::json::array();
    for (const auto& k : kernels) {
      out.push_back({{"value", k.value},
                     {"kind", k.kind},
                     {"source", k.source},
                     {"release", k.release},
                     {"version", k.version},
                     {"size_bytes", k.size_bytes},
                     {"kernel", k.kernel.string()},
                     {"config", k.config.string()},
                     {"path", k.dir.string()}});
    }
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  if (kernels.empty()) {
    std::cout << "no cached kernels in " << (cache_dir() / "kernels").string() << "\n";
    return 0;
  }
  // Columns as wide as their longest value: build: values run long.
  int value_w = 5, release_w = 7;
  for (const auto& k : kernels) {
    value_w = std::max(value_w, static_cast<int>(k.value.size()));
    release_w = std::max(release_w, static_cast<int>(k.release.size()));
  }
  std::printf("%-*s %-*s %-18s %8s  %s\n", value_w, "VALUE", release_w, "RELEASE", "VERSION",
              "SIZE", "PATH");
  for (const auto& k : kernels) {
    char size[32];
    std::snprintf(size, sizeof size, "%.1fM", static_cast<double>(k.size_bytes) / (1 << 20));
    std::printf("%-*s %-*s %-18s %8s  %s\n", value_w, k.value.c_str(), release_w, k.release.c_str(),
                k.version.c_str(), size, k.dir.string().c_str());
  }
  return 0;
}

}  // namespace

KernelCommand::KernelCommand(CLI::App& app) {
  kernel_ = app.add_subcommand("kernel", "list cached kernels, fetch or build one ahead of a run");
  kernel_->require_subcommand(1);
  list_ =
      kernel_->add_subcommand("list", "the cached kernels: value, release, version, size, path");
  list_->add_flag("--json", json_, "print them as JSON");
  fetch_ = kernel_->add_subcommand("fetch",
                                   "fetch and unpack a Debian kernel (debian:<suite>[:<flavour>])");
  fetch_->add_option("value", value_, "kernel value, e.g. debian:trixie:cloud-amd64")->required();
  build_ = kernel_->add_subcommand(
      "build", "build a kernel: build:debian:<suite>|build:<dir>[,config=a+b][,patches=p+q]");
  build_->add_option("value", value_, "kernel value, e.g. build:debian:sid,config=memcg-v1")
      ->required();
}

int KernelCommand::run(const fs::path& source_dir, const fs::path& agent) const {
  if (list_->parsed()) return list_kernels(json_);
  auto ref = parse_kernel_ref(value_);
  if (fetch_->parsed() && ref.kind != KernelRef::Kind::Debian) {
    throw UserError("kernel fetch takes a debian:<suite>[:<flavour>] value, not '" + value_ + "'",
                    "use `fuselab kernel build` for build: values");
  }
  if (build_->parsed() && ref.kind != KernelRef::Kind::Build) {
    throw UserError("kernel build takes a build:... value, not '" + value_ + "'",
                    "use `fuselab kernel fetch` for debian: values");
  }
  // Ctrl-C stops make at once (it runs in its own process group) instead of after the build.
  struct sigaction sa {};
  sa.sa_handler = [](int) { stop_request() = true; };
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &sa, nullptr);
  ArtifactResolver resolver(source_dir, agent);
  const KernelArtifacts* found = nullptr;
  try {
    found = &resolver.kernel(value_);
  } catch (const KernelBuildInterrupted& e) {
    std::cerr << "fuselab: " << e.what() << "\ninterrupted: nothing was cached\n";
    return 130;
  } catch (const Interrupted& e) {
    std::cerr << "fuselab: " << e.what() << "\ninterrupted: nothing was cached\n";
    return 130;
  }
  const KernelArtifacts& kernel = *found;
  // The artifact directory: a built kernel's bzImage is at its top, a Debian one's under boot/.
  auto dir = kernel.kernel.parent_path();
  if (dir.filename() == "boot") dir = dir.parent_path();
  std::cout << dir.string() << "\n";
  return 0;
}

}  // namespace fuselab
