// The report files of a run, written next to run.json in results/<run-id>/: junit.xml,
// summary.md, report.html, and (opt-in) kcidb.json. Call after every change of the run, like
// run.json, so an interrupted run still has readable reports.
#pragma once

#include <filesystem>

#include "report/cell_result.h"
#include "report/html_report.h"
#include "report/kcidb_export.h"

namespace fuselab {

struct ReportOptions {
  HtmlOptions html;           // no axes given: default_grid_axes(run)
  bool kcidb = false;         // also write kcidb.json
  std::string artifacts_url;  // for kcidb.json's log URLs (see KcidbOptions)
};

// Each file is written atomically. Throws std::filesystem::filesystem_error or InfraError
// when a file cannot be written.
void write_reports(const RunSummary& run, const std::filesystem::path& run_dir,
                   const ReportOptions& options = {});

}  // namespace fuselab
