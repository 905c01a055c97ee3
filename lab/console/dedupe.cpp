// Folding repeated reports: the hung-task detector re-reports a blocked task every check
// interval, and an OOM storm kills many times; a verdict wants each thing once, with a count.
#include "kernel_report.h"

namespace fuselab {

bool same_report(const KernelReport& a, const KernelReport& b) {
  if (a.kind != b.kind || a.title != b.title) return false;
  switch (a.kind) {
    case ReportKind::HungTask:
    case ReportKind::Oom:
    case ReportKind::MemcgOom:
      return a.task == b.task;
    default:
      return true;
  }
}

std::vector<ReportGroup> group_reports(const std::vector<KernelReport>& reports) {
  std::vector<ReportGroup> groups;
  for (const KernelReport& r : reports) {
    bool found = false;
    for (ReportGroup& g : groups) {
      if (!same_report(g.first, r)) continue;
      ++g.count;
      g.last_line = r.last_line;
      found = true;
      break;
    }
    if (!found) groups.push_back(ReportGroup{r, 1, r.last_line});
  }
  return groups;
}

}  // namespace fuselab
