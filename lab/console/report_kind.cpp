#include "kernel_report.h"

namespace fuselab {

std::string_view to_string(ReportKind kind) {
  switch (kind) {
    case ReportKind::HungTask:
      return "hung-task";
    case ReportKind::SoftLockup:
      return "soft-lockup";
    case ReportKind::HardLockup:
      return "hard-lockup";
    case ReportKind::RcuStall:
      return "rcu-stall";
    case ReportKind::Oops:
      return "oops";
    case ReportKind::Bug:
      return "bug";
    case ReportKind::Warning:
      return "warning";
    case ReportKind::Panic:
      return "panic";
    case ReportKind::Oom:
      return "oom";
    case ReportKind::MemcgOom:
      return "memcg-oom";
  }
  return "unknown";
}

bool is_kernel_failure(ReportKind kind) {
  return kind != ReportKind::Oom && kind != ReportKind::MemcgOom;
}

}  // namespace fuselab
