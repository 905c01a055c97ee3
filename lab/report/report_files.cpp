#include "report/report_files.h"

#include "common/paths.h"
#include "report/junit_writer.h"
#include "report/summary_markdown.h"

namespace fuselab {

void write_reports(const RunSummary& run, const std::filesystem::path& run_dir,
                   const ReportOptions& options) {
  write_file_atomic(run_dir / "junit.xml", to_junit_xml(run, run_dir));
  write_file_atomic(run_dir / "summary.md", to_summary_markdown(run));
  const bool axes_given = !options.html.row_axis.empty() || !options.html.column_axis.empty();
  write_file_atomic(run_dir / "report.html",
                    to_html_report(run, axes_given ? options.html : default_grid_axes(run)));
  if (options.kcidb) {
    KcidbOptions k{options.artifacts_url, run_dir};
    // Ids and specs come from the plan, not the guest, but a stray byte there must not cost
    // the whole run its reports: invalid UTF-8 becomes U+FFFD instead of an exception.
    write_file_atomic(
        run_dir / "kcidb.json",
        to_kcidb(run, k).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  }
}

}  // namespace fuselab
