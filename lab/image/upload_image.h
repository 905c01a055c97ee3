// A FUSE server author's own build in the cell: a host file or directory copied into a copy of
// the base image (libguestfs copy_in), so `server.exec` can run it as "{upload}". The copy is
// cached by the base image and the upload's content, so an unchanged build costs nothing.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace fuselab {

// At most this much is uploaded (a server with its libraries, not a root filesystem).
inline constexpr std::uintmax_t kMaxUploadBytes = 512ull << 20;
inline constexpr std::size_t kMaxUploadEntries = 10000;

// UserError unless `host` is a regular file or a directory of regular files, directories and
// symbolic links, within the limits above.
void check_upload(const std::filesystem::path& host);

// A digest of the upload's names, modes, link targets and contents.
std::string upload_content_hash(const std::filesystem::path& host);

// `base` with `host` copied into `guest_dir` (a directory, created). When `program` (a guest
// path) is not empty, it must be an executable whose shared libraries the image has: the guest's
// own ldd is run on it in the appliance, and a missing library is a UserError naming it.
std::filesystem::path prepare_upload_image(const std::filesystem::path& base,
                                           const std::filesystem::path& host,
                                           const std::string& guest_dir,
                                           const std::string& program);

}  // namespace fuselab
