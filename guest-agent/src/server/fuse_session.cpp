#include "server/fuse_session.h"

#include <memory>
#include <utility>
#include <vector>

#include "util/error.h"

namespace fuselab::agent {

FuseSession::FuseSession(const fuse_lowlevel_ops& ops, void* userdata, const std::string& subtype) {
  // Mount options travel through fuse_session_new's arguments.
  std::string options = "fsname=fuselab,subtype=" + subtype;
  std::vector<std::string> argv_strings = {"fuselab-agent", "-o", options};
  std::vector<char*> argv;
  for (auto& s : argv_strings) argv.push_back(s.data());
  fuse_args args = FUSE_ARGS_INIT(static_cast<int>(argv.size()), argv.data());
  se_ = fuse_session_new(&args, &ops, sizeof(ops), userdata);
  fuse_opt_free_args(&args);
  if (se_ == nullptr) throw AgentError("mount", "fuse_session_new failed");
}

FuseSession::FuseSession(FuseSession&& other) noexcept
    : se_(std::exchange(other.se_, nullptr)), mounted_(std::exchange(other.mounted_, false)) {}

FuseSession::~FuseSession() {
  if (se_ == nullptr) return;
  if (mounted_) fuse_session_unmount(se_);
  fuse_session_destroy(se_);
}

void FuseSession::mount(const std::string& mountpoint) {
  if (fuse_session_mount(se_, mountpoint.c_str()) != 0)
    throw AgentError("mount", "fuse_session_mount on " + mountpoint + " failed");
  mounted_ = true;
}

int FuseSession::loop(unsigned threads) {
  if (threads <= 1) return fuse_session_loop(se_);
  std::unique_ptr<fuse_loop_config, void (*)(fuse_loop_config*)> config(fuse_loop_cfg_create(),
                                                                        fuse_loop_cfg_destroy);
  if (!config) throw AgentError("mount", "fuse_loop_cfg_create failed");
  fuse_loop_cfg_set_max_threads(config.get(), threads);
  // Keep idle workers: the number of threads serving is the knob, not thread churn.
  fuse_loop_cfg_set_idle_threads(config.get(), threads);
  return fuse_session_loop_mt(se_, config.get());
}

}  // namespace fuselab::agent
