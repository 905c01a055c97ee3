// Collects the reliable frames of a report's main stack, line by line.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fuselab::console {

class FrameCollector {
 public:
  explicit FrameCollector(bool skip_irq_frames) : skip_irq_(skip_irq_frames) {}

  // Feeds one console message (printk prefix removed).
  void feed(std::string_view text);

  // The first call trace ended ("</TASK>" or an end-of-trace line): later frames are ignored.
  bool done() const { return done_; }
  bool in_trace() const { return in_trace_; }
  const std::vector<std::string>& frames() const { return frames_; }
  std::vector<std::string> take_frames() { return std::move(frames_); }

 private:
  void push(std::string_view function);

  bool skip_irq_;
  bool in_trace_ = false;
  bool done_ = false;
  int irq_depth_ = 0;
  std::vector<std::string> frames_;
};

}  // namespace fuselab::console
