#include "frame_collector.h"

#include "console_limits.h"
#include "console_line.h"
#include "stack_frame.h"

namespace fuselab::console {

void FrameCollector::push(std::string_view function) {
  if (skip_irq_ && irq_depth_ > 0) return;
  if (frames_.size() < kMaxFrames) frames_.emplace_back(function);
}

void FrameCollector::feed(std::string_view text) {
  if (done_) return;
  std::string_view t = trim(text);
  if (t == "Call Trace:") {
    in_trace_ = true;
  } else if (t == "<IRQ>" || t == "<NMI>" || t == "<SOFTIRQ>") {
    ++irq_depth_;
  } else if (t == "</IRQ>" || t == "</NMI>" || t == "</SOFTIRQ>") {
    if (irq_depth_ > 0) --irq_depth_;
  } else if (t == "</TASK>") {
    done_ = in_trace_;
  } else if (t.starts_with("---[ end ")) {
    done_ = true;
  } else if (auto rip = parse_rip_line(t)) {
    push(*rip);
  } else if (in_trace_) {
    auto frame = parse_frame_line(t);
    if (frame && !frame->questionable) push(frame->function);
  }
}

}  // namespace fuselab::console
