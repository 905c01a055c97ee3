#include "common/json_fields.h"

namespace fuselab {

using nlohmann::json;

const json* json_field(const json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

std::optional<std::string> json_string_field(const json& obj, const char* key) {
  const json* v = json_field(obj, key);
  if (!v || !v->is_string()) return std::nullopt;
  return v->get<std::string>();
}

std::optional<double> json_double_field(const json& obj, const char* key) {
  const json* v = json_field(obj, key);
  if (!v || !v->is_number()) return std::nullopt;
  double d = v->get<double>();
  if (!std::isfinite(d)) return std::nullopt;
  return d;
}

std::optional<bool> json_bool_field(const json& obj, const char* key) {
  const json* v = json_field(obj, key);
  if (!v || !v->is_boolean()) return std::nullopt;
  return v->get<bool>();
}

json json_object_field(const json& obj, const char* key) {
  const json* v = json_field(obj, key);
  return v && v->is_object() ? *v : json::object();
}

json json_array_field(const json& obj, const char* key) {
  const json* v = json_field(obj, key);
  return v && v->is_array() ? *v : json::array();
}

}  // namespace fuselab
