// The `fuselab` command line: subcommands over the run library. main.cpp only calls this.
#pragma once

namespace fuselab {

// Parses argv, runs the subcommand, and returns the process exit code:
// 0 success / every cell as expected, 1 a cell not as expected, 2 bad input, 3 infrastructure
// failure, 130 interrupted.
int cli_main(int argc, char** argv);

}  // namespace fuselab
