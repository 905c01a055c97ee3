// The name of one attempt's guest, which also names its overlay file and QEMU's sockets and logs.
#pragma once

#include <string>

namespace fuselab {

// Unique per run, cell and attempt: a readable prefix of the cell id (non [A-Za-z0-9.-] mapped to
// '_', so `threads=4` and `threads_4` read alike) followed by a hash of the full cell id, which
// tells them apart. Why both: two guests of one run with the same name share an overlay file, so
// one's qemu-img fails on the other's lock and one's cleanup deletes the other's live disk.
// At most 63 characters: libvirt, QEMU's -name and unix socket paths all take it.
std::string guest_name(const std::string& run_id, const std::string& cell_id, int attempt);

}  // namespace fuselab
