// One free function per FUSE operation, all wired in fuse_operations(). Each handler counts its
// request, does the work through a helper that returns an errno, and sends exactly one reply on
// every path (the stall backend's held FUSE_WRITE is the one, deliberate, exception).
#include <sys/prctl.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "server/fuse_server.h"

namespace fuselab::agent {
namespace {

// The namespace changes only through this mount, so the kernel may cache names and attributes
// for as long as it likes.
constexpr double kCacheTimeout = 86400.0;

FuseServer& server_of(fuse_req_t req) { return *static_cast<FuseServer*>(fuse_req_userdata(req)); }

void reply_entry_or_err(fuse_req_t req, int err, const struct stat& attr) {
  if (err != 0) {
    fuse_reply_err(req, err);
    return;
  }
  fuse_entry_param e{};
  e.ino = attr.st_ino;
  e.attr = attr;
  e.attr_timeout = kCacheTimeout;
  e.entry_timeout = kCacheTimeout;
  fuse_reply_entry(req, &e);
}

void fl_init(void* userdata, fuse_conn_info* conn) {
  auto& server = *static_cast<FuseServer*>(userdata);
  RequestTimer timer(server.stats(), Op::init);
  // IO_FLUSHER was set before the session started (serve.cpp); check that the thread that
  // serves requests carries it (task flags are per thread, inherited by threads created later).
  server.stats().io_flusher = prctl(PR_GET_IO_FLUSHER, 0, 0, 0, 0);
  // Writeback cache: the kernel keeps dirty pages and writes them back later, so FUSE_WRITE
  // comes from writeback (and reclaim) rather than from the writer's write(2). Whether it is on
  // is the knob under test, so it is set from the spec only, never by default.
  if (server.spec().writeback_cache && (conn->capable & FUSE_CAP_WRITEBACK_CACHE))
    conn->want |= FUSE_CAP_WRITEBACK_CACHE;
  else
    conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
  // Splice read: the kernel moves FUSE_WRITE payloads into a pipe instead of copying them into
  // our buffer; every backend then consumes a pipe (fuse_buf_copy). libfuse turns it on for
  // write_buf servers by default: it is a knob here, so set or cleared from the spec only.
  if (server.spec().splice && (conn->capable & FUSE_CAP_SPLICE_READ))
    conn->want |= FUSE_CAP_SPLICE_READ;
  else
    conn->want &= ~FUSE_CAP_SPLICE_READ;
  // libfuse lowers max_write to what its receive buffer holds; a smaller value splits writes.
  if (server.spec().max_write != 0)
    conn->max_write =
        std::min<unsigned>(conn->max_write, static_cast<unsigned>(server.spec().max_write));
  server.stats().writeback_cache = (conn->want & FUSE_CAP_WRITEBACK_CACHE) ? 1 : 0;
  server.stats().splice = (conn->want & FUSE_CAP_SPLICE_READ) ? 1 : 0;
  server.stats().max_write = conn->max_write;
  server.stats().init_done = 1;
}

void fl_destroy(void* userdata) { static_cast<FuseServer*>(userdata)->stats().count(Op::destroy); }

void fl_lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
  auto& server = server_of(req);
  RequestTimer timer(server.stats(), Op::lookup);
  struct stat attr {};
  int err = server.names().lookup(parent, name, attr);
  reply_entry_or_err(req, err, attr);
}

void forget_one(FuseServer& server, fuse_ino_t ino, std::uint64_t nlookup) {
  if (server.names().forget(ino, nlookup)) server.backend().forget(ino);
}

void fl_forget(fuse_req_t req, fuse_ino_t ino, std::uint64_t nlookup) {
  auto& server = server_of(req);
  RequestTimer timer(server.stats(), Op::forget);
  forget_one(server, ino, nlookup);
  fuse_reply_none(req);
}

void fl_forget_multi(fuse_req_t req, std::size_t count, fuse_forget_data* forgets) {
  auto& server = server_of(req);
  RequestTimer timer(server.stats(), Op::batch_forget);
  for (std::size_t i = 0; i < count; ++i) forget_one(server, forgets[i].ino, forgets[i].nlookup);
  fuse_reply_none(req);
}

void fl_getattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info*) {
  auto& server = server_of(req);
  RequestTimer timer(server.stats(), Op::getattr);
  struct stat attr {};
  int err = server.names().getattr(ino, attr);
  if (err != 0)
    fuse_reply_err(req, err);
  else
    fuse_reply_attr(req, &attr, kCacheTimeout);
}

int do_setattr(FuseServer& server, fuse_ino_t ino, const struct stat& in, int to_set,
               struct stat& attr) {
  if (to_set & FUSE_SET_ATTR_SIZE) {
    int err = server.backend().truncate(ino, static_cast<std::uint64_t>(in.st_size));
    if (err != 0) return err;
  }
  return server.names().setattr(ino, in, to_set, attr);
}

void fl_setattr(fuse_req_t req, fuse_ino_t ino, struct stat* in, int to_set, fuse_file_info*) {
  auto& server = server_of(req);
  RequestTimer timer(server.stats(), Op::setattr);
  struct stat attr {};
  int err = do_setattr(server, ino, *in, to_set, attr);
  if (err != 0)
    fuse_reply_err(req, err);
  else
    fuse_reply_attr(req, &attr, kCacheTimeout);
}

int do_create(FuseServer& server, fuse_ino_t parent, const char* name, mode_t mode,
              fuse_file_info* fi, fuse_entry_param& e) {
  int err = server.names().create(parent, name, mode, (fi->flags & O_EXCL) != 0, e.attr);
  if (err != 0) return err;
  if (fi->flags & O_TRUNC) {
    // An existing file opened O_CREAT|O_TRUNC: CREATE carries the truncation.
    struct stat size_zero {};
    err = do_setattr(server, e.attr.st_ino, size_zero, FUSE_SET_ATTR_SIZE, e.attr);
    if (err != 0) return err;
  }
  e.ino = e.attr.st_ino;
  e.attr_timeout = kCacheTimeout;
  e.entry_timeout = kCacheTimeout;
  return 0;
}

void fl_create(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode,
               fuse_file_info* fi) {
  auto& server = server_of(req);
  RequestTimer timer(server.stats(), Op::create);
  fuse_entry_param e{};
  int err = do_create(server, parent, name, mode, fi, e);
  if (err != 0)
    fuse_reply_err(req, err);
  else
    fuse_reply_create(req, &e, fi);
}

int do_open(FuseServer& server, fuse_ino_t ino, fuse_file_info* fi) {
  struct stat attr {};
  int err = server.names().getattr(ino, attr);
  if (err != 0) return err;
  if (S_ISDIR(attr.st_mode)) return EISDIR;
  // FUSE_CAP_ATOMIC_O_TRUNC (a libfuse default) hands O_TRUNC to open instead of a setattr.
  if (fi->flags & O_TRUNC) {
    struct stat size_zero {};
    return do_setattr(server, ino, size_zero, FUSE_SET_ATTR_SIZE, attr);
  }
  return 0;
}

void fl_open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  auto& server = server_of(req);
  RequestTimer timer(server.stats(), Op::open);
  int err = do_open(server, ino, fi);
  if (err != 0)
    fuse_reply_err(req, err);
  else
    fuse_reply_open(req, fi);
}

void fl_read(fuse_req_t req, fuse_ino_t ino, std::size_t size, off_t off, fuse_file_info*) {
  auto& server = server_of(req);
  RequestTimer timer(server.stats(), Op::read);
  // With writeback cache the kernel reads pages it is about to write partially, even on files
  // opened O_WRONLY; so every backend must answer reads.
  std::uint64_t file_size = server.names().size(ino);
  std::uint64_t start = static_cast<std::uint64_t>(off);
  std::size_t n = start >= file_size
                      ? 0
                      : static_cast<std::size_t>(std::min<std::uint64_t>(size, file_size - start));
  ReadData data = n == 0 ? ReadData{} : server.backend().read(ino, off, n);
  if (data.err != 0)
    fuse_reply_err(req, data.err);
  else
    fuse_reply_buf(req, static_cast<const char*>(data.data), data.size);
}

void fl_write_buf(fuse_req_t req, fuse_ino_t ino, fuse_bufvec* in, off_t off, fuse_file_info*) {
  auto& server = server_of(req);
  RequestTimer timer(server.stats(), Op::write);
  // The knob under test: allocate while the kernel waits for this reply (before the backend, so
  // a reclaim stall here holds the written pages under writeback).
  if (server.write_alloc().enabled())
    server.stats().alloc_bytes.fetch_add(server.write_alloc().run(), std::memory_order_relaxed);
  if (server.spec().write_delay_us)
    std::this_thread::sleep_for(std::chrono::microseconds(server.spec().write_delay_us));
  long n = server.backend().write(ino, off, *in);
  if (n == Backend::kNoReply) {
    // The stall control: this request is never answered, on purpose. libfuse keeps its small
    // request record until the process exits; the kernel waits until the connection is aborted.
    timer.drop();
    server.stats().unanswered_writes.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (n < 0) {
    fuse_reply_err(req, static_cast<int>(-n));
    return;
  }
  server.names().written(ino, static_cast<std::uint64_t>(off) + static_cast<std::uint64_t>(n));
  // Counted before the reply: once the writer's close() returns, every byte is in the count.
  server.stats().bytes_written.fetch_add(static_cast<std::uint64_t>(n), std::memory_order_relaxed);
  fuse_reply_write(req, static_cast<std::size_t>(n));
}

void fl_flush(fuse_req_t req, fuse_ino_t, fuse_file_info*) {
  RequestTimer timer(server_of(req).stats(), Op::flush);
  fuse_reply_err(req, 0);
}

void fl_fsync(fuse_req_t req, fuse_ino_t ino, int, fuse_file_info*) {
  auto& server = server_of(req);
  RequestTimer timer(server.stats(), Op::fsync);
  fuse_reply_err(req, server.backend().fsync(ino));
}

void fl_release(fuse_req_t req, fuse_ino_t, fuse_file_info*) {
  RequestTimer timer(server_of(req).stats(), Op::release);
  fuse_reply_err(req, 0);
}

void fl_unlink(fuse_req_t req, fuse_ino_t parent, const char* name) {
  auto& server = server_of(req);
  RequestTimer timer(server.stats(), Op::unlink);
  fuse_reply_err(req, server.names().unlink(parent, name));
}

void fl_statfs(fuse_req_t req, fuse_ino_t) {
  RequestTimer timer(server_of(req).stats(), Op::statfs);
  // A large, empty file system: writers must never see ENOSPC from us.
  struct statvfs st {};
  st.f_bsize = st.f_frsize = 4096;
  st.f_blocks = st.f_bfree = st.f_bavail = 1ULL << 40;
  st.f_files = st.f_ffree = st.f_favail = 1ULL << 32;
  st.f_namemax = 255;
  fuse_reply_statfs(req, &st);
}

}  // namespace

fuse_lowlevel_ops fuse_operations() {
  fuse_lowlevel_ops ops{};
  ops.init = fl_init;
  ops.destroy = fl_destroy;
  ops.lookup = fl_lookup;
  ops.forget = fl_forget;
  ops.forget_multi = fl_forget_multi;
  ops.getattr = fl_getattr;
  ops.setattr = fl_setattr;
  ops.create = fl_create;
  ops.open = fl_open;
  ops.read = fl_read;
  ops.write_buf = fl_write_buf;
  ops.flush = fl_flush;
  ops.fsync = fl_fsync;
  ops.release = fl_release;
  ops.unlink = fl_unlink;
  ops.statfs = fl_statfs;
  return ops;
}

}  // namespace fuselab::agent
