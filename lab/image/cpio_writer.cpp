#include "image/cpio_writer.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/sysmacros.h>

#include "common/error.h"
#include "common/paths.h"

namespace fuselab {

CpioWriter::CpioWriter(const std::filesystem::path& output) : archive_(archive_write_new()) {
  if (!archive_) throw InfraError("libarchive: archive_write_new failed");
  check(archive_write_set_format_cpio_newc(archive_), "set newc format");
  check(archive_write_add_filter_gzip(archive_), "add gzip filter");
  // No timestamp or name in the gzip header: same content, same bytes.
  check(archive_write_set_filter_option(archive_, "gzip", "timestamp", nullptr), "gzip option");
  check(archive_write_open_filename(archive_, output.c_str()), "open output");
}

CpioWriter::~CpioWriter() {
  if (archive_) archive_write_free(archive_);
}

void CpioWriter::check(int status, const char* what) {
  if (status < ARCHIVE_WARN) {
    const char* detail = archive_ ? archive_error_string(archive_) : nullptr;
    throw InfraError(std::string("libarchive: ") + what + ": " +
                     (detail ? detail : "unknown error"));
  }
}

void CpioWriter::add_parents(const std::string& path) {
  for (auto slash = path.find('/', 1); slash != std::string::npos;
       slash = path.find('/', slash + 1)) {
    auto dir = path.substr(0, slash);
    if (!directories_.contains(dir)) add_directory(dir);
  }
}

void CpioWriter::write_entry(const std::string& path, unsigned type, unsigned mode,
                             const std::string* data, unsigned rdev_major, unsigned rdev_minor) {
  if (path.empty() || path[0] != '/') throw InfraError("initramfs path must be absolute: " + path);
  add_parents(path);
  archive_entry* entry = archive_entry_new();
  // newc names are relative ("init", "lib/modules/..."), as the kernel's own gen_init_cpio writes.
  archive_entry_set_pathname(entry, path.c_str() + 1);
  archive_entry_set_filetype(entry, type);
  archive_entry_set_perm(entry, mode);
  archive_entry_set_uid(entry, 0);
  archive_entry_set_gid(entry, 0);
  archive_entry_set_mtime(entry, 0, 0);
  archive_entry_set_nlink(entry, type == AE_IFDIR ? 2 : 1);
  if (type == AE_IFCHR) archive_entry_set_rdev(entry, makedev(rdev_major, rdev_minor));
  archive_entry_set_size(entry, data ? static_cast<la_int64_t>(data->size()) : 0);
  int status = archive_write_header(archive_, entry);
  archive_entry_free(entry);
  check(status, "write header");
  if (data && !data->empty()) {
    auto written = archive_write_data(archive_, data->data(), data->size());
    if (written < 0 || static_cast<size_t>(written) != data->size())
      check(ARCHIVE_FATAL, "write data");
  }
}

void CpioWriter::add_directory(const std::string& path, unsigned mode) {
  if (directories_.contains(path)) return;
  directories_.insert(path);
  write_entry(path, AE_IFDIR, mode, nullptr);
}

void CpioWriter::add_file(const std::string& path, const std::string& content, unsigned mode) {
  write_entry(path, AE_IFREG, mode, &content);
}

void CpioWriter::add_file_from(const std::string& path, const std::filesystem::path& source,
                               unsigned mode) {
  // Modules and the agent are a few MiB each: reading them whole keeps this simple.
  add_file(path, read_file(source), mode);
}

void CpioWriter::add_char_device(const std::string& path, unsigned major, unsigned minor,
                                 unsigned mode) {
  write_entry(path, AE_IFCHR, mode, nullptr, major, minor);
}

void CpioWriter::close() {
  if (!archive_) return;
  int status = archive_write_close(archive_);
  check(status, "close");
  archive_write_free(archive_);
  archive_ = nullptr;
}

}  // namespace fuselab
