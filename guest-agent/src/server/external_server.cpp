#include "server/external_server.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

namespace fuselab::agent {
namespace {

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
}

}  // namespace

std::vector<std::string> substitute_argv(const std::vector<std::string>& argv,
                                         const std::string& mountpoint, const std::string& source) {
  std::vector<std::string> out = argv;
  for (auto& a : out) {
    replace_all(a, "{mountpoint}", mountpoint);
    replace_all(a, "{source}", source);
  }
  return out;
}

bool uses_source(const std::vector<std::string>& argv) {
  for (const auto& a : argv)
    if (a.find("{source}") != std::string::npos) return true;
  return false;
}

std::string source_dir_for(const std::string& mountpoint, const std::string& kind) {
  if (kind != "disk") return mountpoint + ".source";
  return "/var/tmp/fuselab-source." + std::filesystem::path(mountpoint).filename().string();
}

void exec_argv(const std::vector<std::string>& argv) {
  if (argv.empty()) {
    errno = EINVAL;
    return;
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  char path_env[] = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  char* envp[] = {path_env, nullptr};
  if (argv[0].find('/') != std::string::npos) {
    execve(args[0], args.data(), envp);
    return;
  }
  int first_error = ENOENT;
  for (const char* dir :
       {"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"}) {
    std::string path = std::string(dir) + "/" + argv[0];
    execve(path.c_str(), args.data(), envp);
    if (errno != ENOENT) first_error = errno;
  }
  errno = first_error;
}

std::uint64_t regular_file_bytes(const std::string& dir) {
  std::uint64_t sum = 0;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return 0;
  while (dirent* e = readdir(d)) {
    struct stat st {};
    std::string path = dir + "/" + e->d_name;
    if (lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode))
      sum += static_cast<std::uint64_t>(st.st_size);
  }
  closedir(d);
  return sum;
}

}  // namespace fuselab::agent
