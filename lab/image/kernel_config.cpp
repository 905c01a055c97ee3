#include "image/kernel_config.h"

#include <charconv>
#include <regex>

namespace fuselab {
namespace {

std::optional<KconfigVersion> header_version(std::string_view line) {
  static const std::regex header(R"(^# Linux/\S+ (\d{1,4})\.(\d{1,4})\S* Kernel Configuration)");
  std::match_results<std::string_view::const_iterator> m;
  if (!std::regex_search(line.begin(), line.end(), m, header)) return std::nullopt;
  // Digits only (the regex), but maybe too many for an int: such a header is not Linux's.
  KconfigVersion v;
  auto parse = [](const std::string& digits, int& out) {
    return std::from_chars(digits.data(), digits.data() + digits.size(), out).ec == std::errc();
  };
  if (!parse(m[1].str(), v.major) || !parse(m[2].str(), v.minor)) return std::nullopt;
  return v;
}

}  // namespace

KconfigValues parse_kconfig(std::string_view text) { return read_kconfig(text).values; }

Kconfig read_kconfig(std::string_view text) {
  Kconfig config;
  auto& values = config.values;
  constexpr std::string_view kNotSet = " is not set";
  while (!text.empty()) {
    auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (!config.version && line.starts_with("# Linux/")) {
      config.version = header_version(line);
    } else if (line.starts_with("CONFIG_")) {
      auto eq = line.find('=');
      if (eq != std::string_view::npos)
        values[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
    } else if (line.starts_with("# CONFIG_") && line.ends_with(kNotSet)) {
      line.remove_prefix(2);
      line.remove_suffix(kNotSet.size());
      values.insert_or_assign(std::string(line), std::string(1, 'n'));
    }
  }
  return config;
}

std::vector<DroppedOption> dropped_options(const NamedTexts& fragments,
                                           const KconfigValues& final_config) {
  std::map<std::string, std::pair<std::string, std::string>> wanted;  // option -> (value, source)
  std::vector<std::string> order;
  for (const auto& [name, text] : fragments) {
    for (const auto& [option, value] : parse_kconfig(text)) {
      if (!wanted.contains(option)) order.push_back(option);
      wanted[option] = {value, name};
    }
  }
  std::vector<DroppedOption> dropped;
  for (const auto& option : order) {
    const auto& [value, source] = wanted.at(option);
    auto it = final_config.find(option);
    std::string got = it == final_config.end() ? "n" : it->second;
    if (got != value) dropped.push_back({option, value, got, source});
  }
  return dropped;
}

std::string describe_dropped(const std::vector<DroppedOption>& dropped) {
  std::string text;
  for (const auto& d : dropped) {
    text += "  " + d.option + "=" + d.wanted + " (from " + d.source + ") is " +
            (d.got == "n" ? std::string("not set") : d.got) + " in the final .config\n";
  }
  return text;
}

}  // namespace fuselab
