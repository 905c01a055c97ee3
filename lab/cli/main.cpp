#include "cli/cli.h"

int main(int argc, char** argv) { return fuselab::cli_main(argc, argv); }
