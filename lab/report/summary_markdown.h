// summary.md: the run as a Markdown table, fit for a CI job summary (GitHub's
// $GITHUB_STEP_SUMMARY, GitLab and Forgejo render the same GitHub-flavoured Markdown).
#pragma once

#include <string>

#include "report/cell_result.h"

namespace fuselab {

std::string to_summary_markdown(const RunSummary& run);

}  // namespace fuselab
