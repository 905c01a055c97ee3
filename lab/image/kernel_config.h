// Kernel config fragments as data: what a fragment asks for, and which of those requests the final
// .config did not keep. `make olddefconfig` silently drops an option whose dependencies are not
// met; a fuselab kernel built without, say, MEMCG_V1 would make a whole matrix meaningless, so
// every requested option is checked after the merge.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fuselab {

// Option name ("CONFIG_MEMCG_V1") -> value as written ("y", "m", "64", "\"text\""); a
// `# CONFIG_X is not set` line gives "n". Later lines win, as in merge_config.sh.
using KconfigValues = std::map<std::string, std::string>;

using NamedTexts = std::vector<std::pair<std::string, std::string>>;  // (name, content)

// The "X.Y" of a configuration's "# Linux/x86 6.1.176 Kernel Configuration" header.
struct KconfigVersion {
  int major = 0, minor = 0;
  bool at_least(int ma, int mi) const { return major > ma || (major == ma && minor >= mi); }
};

// A whole .config (or a fragment, which has no header): its options and, when present, the
// kernel version of its header. The one reader of CONFIG_ lines, for the build's dropped-option
// check and for what a cell can run on (run/kernel_capabilities).
struct Kconfig {
  KconfigValues values;
  std::optional<KconfigVersion> version;
};

Kconfig read_kconfig(std::string_view text);
// read_kconfig(text).values.
KconfigValues parse_kconfig(std::string_view text);

// One requested option the final config does not have as requested. `got` is "n" when the final
// config lacks the option or says it is not set.
struct DroppedOption {
  std::string option, wanted, got;
  std::string source;  // the fragment that asked for it
};

// Each fragment is (name, text), in merge order: a later fragment's value for an option replaces
// an earlier one's, and only the last request is checked. Requests for "n" are met by absence.
std::vector<DroppedOption> dropped_options(const NamedTexts& fragments,
                                           const KconfigValues& final_config);

// "CONFIG_MEMCG_V1=y (from memcg-v1.config) is n in the final config", one per line, with a hint
// about dependencies.
std::string describe_dropped(const std::vector<DroppedOption>& dropped);

}  // namespace fuselab
