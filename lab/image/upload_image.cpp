#include "image/upload_image.h"

#include <guestfs.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <sstream>
#include <vector>

#include "common/elapsed.h"
#include "common/error.h"
#include "common/hash.h"
#include "common/stale_files.h"
#include "image/file_lock.h"
#include "image/guestfs_handle.h"

namespace fs = std::filesystem;

namespace fuselab {
namespace {

constexpr const char* kUploadImageVersion = "fuselab-upload-1";
constexpr std::chrono::minutes kGuestfsDeadline{10};

// The upload's entries, sorted so the digest does not depend on directory order.
std::vector<fs::path> entries_of(const fs::path& host) {
  std::vector<fs::path> entries{host};
  if (fs::is_directory(fs::symlink_status(host))) {
    for (const auto& e : fs::recursive_directory_iterator(host)) {
      entries.push_back(e.path());
      if (entries.size() > kMaxUploadEntries) {
        throw UserError("upload '" + host.string() + "' has more than " +
                            std::to_string(kMaxUploadEntries) + " entries",
                        "upload the server and its libraries, not a whole tree");
      }
    }
  }
  std::sort(entries.begin(), entries.end());
  return entries;
}

// The program's libraries as the image's own loader resolves them; names the ones it cannot.
void check_libraries(GuestfsHandle& g, const std::string& program) {
  auto* h = g.get();
  if (guestfs_is_file(h, program.c_str()) != 1) {
    throw UserError("server.exec runs '" + program + "', which the upload does not contain",
                    "name a file of the upload, e.g. '{upload}' for a file or '{upload}/bin/x'");
  }
  struct guestfs_statns* st = guestfs_statns(h, program.c_str());
  if (st == nullptr) g.check(-1, "stat " + program);
  const bool executable = (st->st_mode & 0111) != 0;
  guestfs_free_statns(st);
  if (!executable) {
    throw UserError("'" + program + "' in the upload is not executable", "chmod +x it on the host");
  }
  const char* argv[] = {"/usr/bin/ldd", program.c_str(), nullptr};
  char* out = guestfs_command(h, const_cast<char**>(argv));
  if (out == nullptr) {
    const char* err = guestfs_last_error(h);
    const std::string text = err ? err : "";
    // A static program: nothing to resolve.
    if (text.find("not a dynamic executable") != std::string::npos) return;
    throw UserError("the image's ldd cannot read '" + program + "': " + text.substr(0, 400),
                    "upload an x86-64 Linux executable");
  }
  std::string report(out);
  std::free(out);
  std::istringstream lines(report);
  std::vector<std::string> missing;
  for (std::string line; std::getline(lines, line);) {
    if (line.find("=> not found") == std::string::npos) continue;
    auto first = line.find_first_not_of(" \t");
    auto arrow = line.find(" =>");
    if (first != std::string::npos && arrow > first)
      missing.push_back(line.substr(first, arrow - first));
  }
  if (missing.empty()) return;
  std::string names;
  for (const auto& m : missing) names += (names.empty() ? "" : ", ") + m;
  throw UserError("'" + program + "' needs " + names + ", which the image does not have",
                  "link it statically, upload a directory with the libraries beside it (and an "
                  "rpath of $ORIGIN), or add the Debian package that has them to the image "
                  "recipe's packages");
}

void add_upload(const fs::path& output, const fs::path& base, const fs::path& host,
                const std::string& guest_dir, const std::string& program) {
  fs::copy_file(base, output);
  GuestfsHandle g(kGuestfsDeadline);
  auto* h = g.get();
  g.check(guestfs_add_drive_opts(h, output.c_str(), GUESTFS_ADD_DRIVE_OPTS_FORMAT, "qcow2", -1),
          "add_drive");
  g.launch();
  g.check(guestfs_mount(h, "/dev/sda", "/"), "mount");
  g.check(guestfs_mkdir_p(h, guest_dir.c_str()), "mkdir " + guest_dir);
  g.check(guestfs_copy_in(h, host.c_str(), guest_dir.c_str()), "copy_in " + host.string());
  if (!program.empty()) check_libraries(g, program);
  g.shutdown();
}

}  // namespace

void check_upload(const fs::path& host) {
  std::error_code ec;
  const auto status = fs::symlink_status(host, ec);
  if (ec || !fs::exists(status)) {
    throw UserError("upload '" + host.string() + "' does not exist",
                    "give the host path of the server binary or of a directory holding it");
  }
  if (!fs::is_regular_file(status) && !fs::is_directory(status)) {
    throw UserError("upload '" + host.string() + "' is neither a file nor a directory");
  }
  std::uintmax_t bytes = 0;
  for (const auto& e : entries_of(host)) {
    const auto s = fs::symlink_status(e);
    if (fs::is_regular_file(s)) {
      bytes += fs::file_size(e);
    } else if (!fs::is_directory(s) && !fs::is_symlink(s)) {
      throw UserError("upload '" + host.string() + "' holds '" + e.string() +
                      "', which is neither a file, a directory nor a symbolic link");
    }
  }
  if (bytes > kMaxUploadBytes) {
    throw UserError("upload '" + host.string() + "' is " + std::to_string(bytes >> 20) +
                        " MiB, more than the " + std::to_string(kMaxUploadBytes >> 20) +
                        " MiB fuselab copies into a cell",
                    "upload the server and its libraries only");
  }
}

std::string upload_content_hash(const fs::path& host) {
  Sha256 digest;
  for (const auto& e : entries_of(host)) {
    const auto s = fs::symlink_status(e);
    const std::string name = e == host ? "." : fs::relative(e, host).string();
    const auto mode = static_cast<unsigned>(s.permissions());
    if (fs::is_symlink(s)) {
      digest.update("l " + name + " " + fs::read_symlink(e).string() + "\n");
    } else if (fs::is_directory(s)) {
      digest.update("d " + name + " " + std::to_string(mode) + "\n");
    } else {
      digest.update("f " + name + " " + std::to_string(mode) + " " + sha256_file(e) + "\n");
    }
  }
  return digest.hex();
}

fs::path prepare_upload_image(const fs::path& base, const fs::path& host,
                              const std::string& guest_dir, const std::string& program) {
  check_upload(host);
  auto start = std::chrono::steady_clock::now();
  const auto key = Sha256()
                       .update(kUploadImageVersion)
                       .update("\nbase " + base.filename().string())
                       .update("\nupload " + upload_content_hash(host))
                       .update("\ninto " + guest_dir + "\nprogram " + program + "\n")
                       .hex();
  const fs::path image = base.parent_path() / ("upload-" + key + ".qcow2");
  FileLock lock(base.parent_path() / ("upload-" + key + ".lock"));
  if (fs::exists(image)) {
    spdlog::info("image with upload {} is cached: {}", host.string(), image.string());
    return image;
  }
  build_file_atomically(
      image, [&](const fs::path& partial) { add_upload(partial, base, host, guest_dir, program); });
  spdlog::info("upload {} added to the image in {:.1f} s: {}", host.string(), seconds_since(start),
               image.string());
  return image;
}

}  // namespace fuselab
