// The console walk: one pass over the lines, each tried against the oops table; an open report
// collects its frames until its end marker, a new header, or kMaxReportLines.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "console_limits.h"
#include "console_line.h"
#include "frame_collector.h"
#include "kernel_report.h"
#include "oops_table.h"

namespace fuselab {
namespace console {
namespace {

struct Match {
  const OopsEntry* entry;
  HeaderMatch header;
};

std::optional<Match> match_header(std::string_view text) {
  for (const OopsEntry& e : oops_table()) {
    if (auto m = e.match(text)) return Match{&e, std::move(*m)};
  }
  return std::nullopt;
}

// "CPU: 0 UID: 0 PID: 77 Comm: dd Not tainted ..." (6.1: no UID): "dd:77", else empty.
std::string cpu_line_task(std::string_view text) {
  if (!text.starts_with("CPU: ")) return {};
  std::size_t pid = text.find(" PID: ");
  std::size_t comm = text.find(" Comm: ");
  if (pid == std::string_view::npos || comm == std::string_view::npos || comm < pid) return {};
  std::string_view pid_text = trim(text.substr(pid + 6, comm - pid - 6));
  std::string_view name = text.substr(comm + 7);
  std::size_t end = name.find(" Not tainted");
  if (end == std::string_view::npos) end = name.find(" Tainted:");
  if (end == std::string_view::npos || end == 0 || pid_text.empty()) return {};
  return std::string(name.substr(0, end < kMaxTitleBytes ? end : kMaxTitleBytes)) + ":" +
         std::string(pid_text);
}

std::string fill(std::string_view tmpl, std::string_view arg, std::string_view frame) {
  std::string out;
  for (std::size_t i = 0; i < tmpl.size();) {
    if (tmpl.substr(i, 5) == "{arg}") {
      out += arg;
      i += 5;
    } else if (tmpl.substr(i, 7) == "{frame}") {
      out += frame;
      i += 7;
    } else {
      out += tmpl[i++];
    }
  }
  return out;
}

// Where an OOM kill's "invoked oom-killer" dump started, and the stack it printed.
struct OomPrelude {
  std::size_t line;
  std::size_t offset;
  FrameCollector frames{false};
};

struct OpenReport {
  const OopsEntry* entry;
  HeaderMatch header;
  std::size_t first_line;
  std::size_t offset;  // byte offset of first_line in the log
  FrameCollector frames;
};

class Walk {
 public:
  explicit Walk(std::string_view log) : log_(log) {}

  std::vector<KernelReport> run() {
    std::size_t pos = 0;
    while (pos < log_.size() && reports_.size() < kMaxReports) {
      std::size_t nl = log_.find('\n', pos);
      std::size_t end = nl == std::string_view::npos ? log_.size() : nl;
      ++line_;
      on_line(log_.substr(pos, end - pos), pos, end);
      pos = end + 1;
    }
    // A log may end right after a complete report: panic=-1 reboots before the panic's own end
    // line. Cut short means the call trace, which names the report, did not end.
    if (open_) close(line_, log_.size(), open_->frames.done() ? "" : "end of log");
    return std::move(reports_);
  }

 private:
  void on_line(std::string_view raw, std::size_t offset, std::size_t end) {
    std::string_view text = trim(split_console_line(raw).text);
    if (text.find(" invoked oom-killer: ") != std::string_view::npos) {
      prelude_.emplace(OomPrelude{line_, offset});
    }
    if (prelude_) prelude_->frames.feed(text);
    if (auto m = match_header(text)) {
      if (on_header(*m, text, offset, end)) return;
    }
    if (!open_) return;
    open_->frames.feed(text);
    if (open_->header.task.empty()) open_->header.task = cpu_line_task(text);
    bool ended = false;
    switch (open_->entry->end) {
      case ReportEnd::TaskEnd:
        ended = open_->frames.done();
        break;
      case ReportEnd::TraceEnd:
        ended = text.starts_with("---[ end ");
        break;
      case ReportEnd::Header:
        ended = true;
        break;
    }
    if (ended) {
      close(line_, end);
    } else if (line_ + 1 - open_->first_line >= kMaxReportLines) {
      close(line_, end, "line limit");
    }
  }

  // Returns true when the line was fully handled.
  bool on_header(Match& m, std::string_view text, std::size_t offset, std::size_t end) {
    if (m.entry->absorbed && open_) return false;  // a die line or panic inside a report
    if (m.entry->kind == ReportKind::Panic && !open_ && !reports_.empty() &&
        line_ - reports_.back().last_line <= kPanicFollowUpLines && is_follow_up_panic(text)) {
      extend_last(end);
      return true;
    }
    if (open_) close(line_ - 1, offset == 0 ? 0 : offset - 1);
    open_.emplace(OpenReport{m.entry, std::move(m.header), line_, offset,
                             FrameCollector(m.entry->skip_irq_frames)});
    if (!m.entry->lookback.empty() && prelude_ && line_ - prelude_->line <= kOomLookbackLines &&
        (reports_.empty() || prelude_->line > reports_.back().last_line)) {
      open_->first_line = prelude_->line;
      open_->offset = prelude_->offset;
      open_->frames = std::move(prelude_->frames);
      prelude_.reset();
    }
    return false;
  }

  std::string excerpt(std::size_t from, std::size_t to) const {
    if (to > log_.size()) to = log_.size();
    if (to < from) to = from;
    std::size_t len = to - from;
    if (len > kMaxExcerptBytes) len = kMaxExcerptBytes;
    return std::string(log_.substr(from, len));
  }

  void extend_last(std::size_t end) {
    reports_.back().last_line = line_;
    reports_.back().excerpt = excerpt(offsets_.back(), end);
  }

  // `truncated`: why the report ends before its end marker, if it does (KernelReport::truncated).
  void close(std::size_t last_line, std::size_t end, std::string truncated = {}) {
    OpenReport& o = *open_;
    const OopsEntry& e = *o.entry;
    KernelReport r{e.kind,
                   {},
                   o.frames.take_frames(),
                   o.first_line,
                   last_line,
                   excerpt(o.offset, end),
                   o.header.task,
                   std::move(truncated)};
    std::optional<std::string> frame;
    if (!o.header.frame.empty()) {
      frame = o.header.frame;
    } else {
      frame = e.extractor(r.frames, e.skip);
    }
    r.title = normalize_title(frame ? fill(e.title, o.header.arg, *frame)
                                    : fill(e.title_no_frame, o.header.arg, {}));
    if (r.title.size() > kMaxTitleBytes) r.title.resize(kMaxTitleBytes);
    if (reports_.size() < kMaxReports) {
      offsets_.push_back(o.offset);
      reports_.push_back(std::move(r));
    }
    open_.reset();
  }

  std::string_view log_;
  std::size_t line_ = 0;
  std::optional<OpenReport> open_;
  std::optional<OomPrelude> prelude_;
  std::vector<KernelReport> reports_;
  std::vector<std::size_t> offsets_;  // byte offset of each report's first line
};

}  // namespace
}  // namespace console

std::vector<KernelReport> parse_console(std::string_view log) { return console::Walk(log).run(); }

}  // namespace fuselab
