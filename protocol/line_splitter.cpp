#include "protocol/line_splitter.h"

namespace fuselab::protocol {

std::vector<std::string> LineSplitter::feed(std::string_view bytes) {
  std::vector<std::string> lines;
  for (char c : bytes) {
    if (c == '\n') {
      if (!discarding_) {
        if (!partial_.empty() && partial_.back() == '\r') partial_.pop_back();
        lines.push_back(std::move(partial_));
      }
      partial_.clear();
      discarding_ = false;
      continue;
    }
    if (discarding_) continue;
    if (partial_.size() >= max_line_) {
      ++overlong_;
      lines.push_back(std::move(partial_));  // keep the head: it usually says what it was
      partial_.clear();
      discarding_ = true;
      continue;
    }
    partial_ += c;
  }
  return lines;
}

std::string LineSplitter::take_rest() {
  std::string rest = std::move(partial_);
  partial_.clear();
  discarding_ = false;
  return rest;
}

}  // namespace fuselab::protocol
