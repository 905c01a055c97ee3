// Base64 (RFC 4648, with padding) for files sent through the channel (perf.data in
// `file` lines). Both sides compile this one: the agent encodes, the host decodes strictly.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace fuselab::protocol {

std::string base64_encode(std::string_view bytes);
// nullopt for anything but canonical base64: a length not a multiple of 4, a byte outside the
// alphabet, padding anywhere but at the end.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace fuselab::protocol
