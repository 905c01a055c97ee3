// Writes a gzip-compressed newc cpio archive (the initramfs format the kernel unpacks) through
// libarchive. Entries carry fixed owners and times so equal inputs give byte-equal archives.
#pragma once

#include <filesystem>
#include <set>
#include <string>

struct archive;

namespace fuselab {

class CpioWriter {
 public:
  explicit CpioWriter(const std::filesystem::path& output);
  ~CpioWriter();
  CpioWriter(const CpioWriter&) = delete;
  CpioWriter& operator=(const CpioWriter&) = delete;

  // Archive paths are absolute inside the initramfs ("/lib/modules/..."); missing parent
  // directories are added first, since the kernel's unpacker does not create them.
  void add_directory(const std::string& path, unsigned mode = 0755);
  void add_file(const std::string& path, const std::string& content, unsigned mode = 0644);
  void add_file_from(const std::string& path, const std::filesystem::path& source, unsigned mode);
  void add_char_device(const std::string& path, unsigned major, unsigned minor, unsigned mode);
  // Flushes and closes; the destructor does it too but cannot report errors.
  void close();

 private:
  void add_parents(const std::string& path);
  void write_entry(const std::string& path, unsigned type, unsigned mode, const std::string* data,
                   unsigned rdev_major = 0, unsigned rdev_minor = 0);
  void check(int status, const char* what);

  archive* archive_ = nullptr;
  std::set<std::string> directories_;
};

}  // namespace fuselab
