// Tolerant readers for JSON that came from outside: a guest's messages, run.json and result.json
// read back from disk. A missing, null or mistyped field is "absent" (nullopt or the fallback),
// never an exception, and a number is only an integer of type T when it is one and fits: a guest
// that sends "threads": 1e30 or "mib_per_s": "fast" cannot crash the table after run.json was
// written.
#pragma once

#include <cmath>
#include <concepts>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace fuselab {

// The field `key` of `obj`, or nullptr when `obj` is not an object or has no such field.
const nlohmann::json* json_field(const nlohmann::json& obj, const char* key);

std::optional<std::string> json_string_field(const nlohmann::json& obj, const char* key);
// Finite numbers only (NaN and infinity cannot come from JSON text, but may from a json built
// in memory).
std::optional<double> json_double_field(const nlohmann::json& obj, const char* key);
std::optional<bool> json_bool_field(const nlohmann::json& obj, const char* key);

// An integer (a JSON integer, or a float with an integral value) that fits in T.
template <std::integral T>
std::optional<T> json_int_field(const nlohmann::json& obj, const char* key) {
  const nlohmann::json* v = json_field(obj, key);
  if (!v || !v->is_number()) return std::nullopt;
  if (v->is_number_unsigned()) {
    auto u = v->get<unsigned long long>();
    if (u > static_cast<unsigned long long>(std::numeric_limits<T>::max())) return std::nullopt;
    return static_cast<T>(u);
  }
  if (v->is_number_integer()) {
    auto i = v->get<long long>();
    if (i < 0 && !std::numeric_limits<T>::is_signed) return std::nullopt;
    if (i < static_cast<long long>(std::numeric_limits<T>::min()) ||
        (i > 0 && static_cast<unsigned long long>(i) >
                      static_cast<unsigned long long>(std::numeric_limits<T>::max()))) {
      return std::nullopt;
    }
    return static_cast<T>(i);
  }
  double d = v->get<double>();
  // Compared as doubles: converting an out-of-range double to an integer is undefined.
  if (!std::isfinite(d) || d != std::trunc(d) ||
      d < static_cast<double>(std::numeric_limits<T>::min()) ||
      d >= static_cast<double>(std::numeric_limits<T>::max())) {
    return std::nullopt;
  }
  return static_cast<T>(d);
}

// The field as an object or array (a copy), or the empty one when it is missing or mistyped.
nlohmann::json json_object_field(const nlohmann::json& obj, const char* key);
nlohmann::json json_array_field(const nlohmann::json& obj, const char* key);

}  // namespace fuselab
