#include "report/report_files.h"

#include "common/paths.h"
#include "report/junit_writer.h"
#include "report/summary_markdown.h"

namespace fuselab {

void write_reports(const RunSummary& run, const std::filesystem::path& run_dir,
                   const ReportOptions& options) {
  write_file_atomic(run_dir / "junit.xml", to_junit_xml(run, run_dir));
  write_file_atomic(run_dir / "summary.md", to_summary_markdown(run));
  write_file_atomic(run_dir / "report.html", to_html_report(run, options.html));
  if (options.kcidb) {
    KcidbOptions k{options.artifacts_url, run_dir};
    write_file_atomic(run_dir / "kcidb.json", to_kcidb(run, k).dump(2) + "\n");
  }
}

}  // namespace fuselab
