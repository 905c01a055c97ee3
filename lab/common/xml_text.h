// XML/HTML text escaping, shared by the domain XML (vm/) and the reports (report/).
#pragma once

#include <string>
#include <string_view>

namespace fuselab {

// Escapes &, <, >, " and ' for element text and attribute values. Control characters are the
// caller's business (report/text_escape.h cleans untrusted guest text first).
std::string xml_escape(std::string_view text);

}  // namespace fuselab
