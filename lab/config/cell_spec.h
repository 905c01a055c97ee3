// One cell of a plan, as plain data: everything needed to boot a guest and run one experiment.
// Parsed in one place (plan_loader) from YAML; the guest part is sent to the agent as JSON.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace fuselab {

// The agent's FUSE server (guest-agent/PROTOCOL.md "spec keys"); defaults are the agent's.
struct ServerSpec {
  std::string backend = "null";  // null, memory, passthrough, stall, external
  bool writeback_cache = false;
  unsigned threads = 1;
  unsigned long long stall_after_bytes = 0;  // stall backend: bytes answered before it stops
  unsigned alloc_per_write_kib = 0;          // anonymous memory touched per FUSE_WRITE
  std::string alloc_mode = "mmap";           // mmap or malloc
  unsigned max_write = 0;                    // 0: libfuse's default
  bool splice = false;
  bool io_flusher = false;            // prctl(PR_SET_IO_FLUSHER) in the server
  std::optional<unsigned> max_ratio;  // FUSE bdi knobs; unset: the kernel's default
  std::optional<bool> strict_limit;
  // backend external: the server's argv; "{mountpoint}" and "{source}" are replaced in the guest
  std::vector<std::string> exec;
};

// The in-guest monitor that must survive what it watches.
struct MonitorSpec {
  unsigned stall_after_s = 30;          // no progress this long: the agent reports a stall
  bool sysrq = true;                    // blocked tasks to the console before reporting
  std::string on_stall = "wait";        // wait (the host decides) or abort the FUSE connection
  unsigned hung_task_timeout_secs = 0;  // 0: leave the kernel's setting
};

// Where server and workload run, and under what memory limit.
struct CgroupSpec {
  std::string version = "none";         // none, v1, v2
  std::string placement = "both-root";  // both-root, both-nested, server-root, workload-root
  unsigned memory_limit_mib = 0;        // of the nested group; 0: none
  std::string mglru = "default";        // default, on, off
};

struct WorkloadSpec {
  std::string kind = "seq-write";  // seq-write, mmap-write, fio
  unsigned size_mib = 64;          // in total (fio: split over the jobs)
  unsigned block_kib = 1024;
  bool fsync = true;
  unsigned jobs = 1;  // fio numjobs
};

// Memory pressure: a hog in the tested memcg holding a share of its limit (no limit: of MemTotal).
struct PressureSpec {
  unsigned hog_percent = 0;  // 0: no hog
  unsigned hog_mib = 0;      // absolute size instead of hog_percent
};

// Where a value was written in the plan file: for errors found after loading, such as a kernel
// value that cannot work, which still name file, line and key.
struct ValueOrigin {
  std::string file;
  int line = 0;  // 0: not from a file (a default)
  int column = 0;
  std::string key;
};

struct CellSpec {
  std::string id;
  std::string kernel = "debian:bookworm:cloud-amd64";  // kernel source, see kernel_ref.h
  std::string image = "bookworm";                      // image recipe name under images/guest/
  ValueOrigin kernel_origin, image_origin;
  unsigned memory_mib = 1024;
  unsigned vcpus = 2;
  unsigned boot_timeout_s = 60;     // boot to the agent's hello
  unsigned cell_timeout_s = 300;    // whole cell, boot included
  unsigned silence_timeout_s = 60;  // no console and no channel output at all
  unsigned infra_retries = 1;       // extra attempts when the lab, not the kernel, failed
  std::string expect = "PASS";      // verdict name the cell should get
  std::string expect_signature;     // if set, the result's signature must contain it
  std::string kernel_cmdline;       // appended to fuselab's own kernel parameters
  // The axis values that made this cell (axis name -> value), empty for a listed cell.
  std::map<std::string, std::string> axes;
  // After the agent reported a stall or hang, how long to keep collecting evidence (blocked-task
  // stacks, more hung-task reports) before the host ends the cell.
  unsigned evidence_s = 10;
  // Runs alone even with -j > 1: for cells whose throughput is the result.
  bool exclusive = false;
  ServerSpec server;
  WorkloadSpec workload;
  MonitorSpec monitor;
  CgroupSpec cgroup;
  PressureSpec pressure;
};

struct Plan {
  std::string name;
  std::string source;  // the file it came from
  std::vector<CellSpec> cells;
};

// The part of the cell the guest agent runs (PROTOCOL.md "spec").
nlohmann::json guest_spec_json(const CellSpec& cell);
nlohmann::json cell_spec_json(const CellSpec& cell);

}  // namespace fuselab
