// Mount helpers shared by the boot stages and the scenario.
#pragma once

#include <optional>
#include <string>

namespace fuselab::agent {

// The "major:minor" of the file system mounted at `path` (per /proc/self/mountinfo), if any.
std::optional<std::string> mounted_device(const std::string& path);

// mount(2) that throws AgentError(stage, ...) naming what failed; creates `target` if missing.
// EBUSY (already mounted there) is not an error when `ok_if_busy`.
void mount_or_throw(const std::string& stage, const char* source, const std::string& target,
                    const char* type, unsigned long flags, const char* data = nullptr,
                    bool ok_if_busy = false);

}  // namespace fuselab::agent
