// Host and agent agree on the protocol (protocol/): every cell of every plan in configs/ goes
// through the host's encoder, a pipe and the agent's own channel and spec decoder, and must come
// out field by field as the host meant it. Before protocol/ existed, only a VM boot could tell.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <set>

#include "channel/agent_message.h"
#include "channel/channel.h"
#include "channel/messages.h"
#include "channel/spec.h"
#include "config/plan_loader.h"
#include "matrix/plan.h"
#include "protocol/agent_spec.h"
#include "protocol/channel.h"
#include "server/backend.h"
#include "workload/workload.h"

namespace fuselab {
namespace {

namespace fs = std::filesystem;
using protocol::AgentSpec;

// Every field by name, so a failure says which one drifted (operator== alone would not).
std::vector<std::string> differences(const AgentSpec& want, const AgentSpec& got) {
  std::vector<std::string> out;
#define FUSELAB_FIELD(path) \
  if (!(want.path == got.path)) out.push_back(#path);
  FUSELAB_FIELD(server.backend)
  FUSELAB_FIELD(server.writeback_cache)
  FUSELAB_FIELD(server.threads)
  FUSELAB_FIELD(server.passthrough_dir)
  FUSELAB_FIELD(server.stall_after_bytes)
  FUSELAB_FIELD(server.alloc_per_write_kib)
  FUSELAB_FIELD(server.write_delay_us)
  FUSELAB_FIELD(server.alloc_mode)
  FUSELAB_FIELD(server.max_write)
  FUSELAB_FIELD(server.splice)
  FUSELAB_FIELD(server.io_flusher)
  FUSELAB_FIELD(server.max_ratio)
  FUSELAB_FIELD(server.strict_limit)
  FUSELAB_FIELD(server.exec)
  FUSELAB_FIELD(server.source)
  FUSELAB_FIELD(workload.kind)
  FUSELAB_FIELD(workload.size_mib)
  FUSELAB_FIELD(workload.block_kib)
  FUSELAB_FIELD(workload.fsync)
  FUSELAB_FIELD(workload.jobs)
  FUSELAB_FIELD(workload.warmup_mib)
  FUSELAB_FIELD(monitor.stall_after_s)
  FUSELAB_FIELD(monitor.sysrq)
  FUSELAB_FIELD(monitor.on_stall)
  FUSELAB_FIELD(monitor.hung_task_timeout_secs)
  FUSELAB_FIELD(cgroup.version)
  FUSELAB_FIELD(cgroup.placement)
  FUSELAB_FIELD(cgroup.memory_limit_mib)
  FUSELAB_FIELD(cgroup.mglru)
  FUSELAB_FIELD(pressure.hog_percent)
  FUSELAB_FIELD(pressure.hog_mib)
#undef FUSELAB_FIELD
  // A field added to a struct but not above makes operator== and the list disagree.
  if (out.empty() && !(want == got)) out.push_back("a field missing from this test's list");
  return out;
}

// The run line as the agent in the guest reads it: bytes on a file descriptor, cut by the
// agent's Channel, decoded by the agent's parser.
agent::Spec through_agent_channel(const std::string& line) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2");
  UniqueFd read_end(fds[0]), write_end(fds[1]);
  fcntl(write_end.get(), F_SETPIPE_SZ, 1 << 20);  // the whole line fits: no writer thread needed
  EXPECT_EQ(write(write_end.get(), line.data(), line.size()), static_cast<ssize_t>(line.size()));
  agent::Channel channel(UniqueFd(open("/dev/null", O_WRONLY | O_CLOEXEC)), std::move(read_end),
                         /*nonblocking=*/true);
  auto msg = channel.receive(agent::Clock::now() + std::chrono::seconds(5));
  if (!msg) throw std::runtime_error("the agent's channel returned no line");
  return agent::parse_run_message(*msg);
}

TEST(ProtocolRoundTrip, EveryCellOfEveryPlanInConfigsReachesTheAgentUnchanged) {
  fs::path configs = fs::path(FUSELAB_TEST_DATA) / ".." / ".." / "configs";
  std::size_t plans = 0, cells = 0;
  for (const auto& entry : fs::directory_iterator(configs)) {
    if (entry.path().extension() != ".yaml") continue;
    Plan plan = load_plan(entry.path());
    ++plans;
    for (const CellSpec& cell : plan.cells) {
      ++cells;
      std::string line = protocol::run_message_line(agent_spec(cell));
      ASSERT_LE(line.size(), protocol::kMaxLineBytes) << cell.id;
      AgentSpec got = through_agent_channel(line);
      auto diff = differences(agent_spec(cell), got);
      EXPECT_TRUE(diff.empty()) << entry.path().filename().string() << " cell " << cell.id
                                << ": the agent read differently: " << testing::PrintToString(diff);
    }
  }
  EXPECT_GE(plans, 4u);
  EXPECT_GE(cells, 60u);  // smoke, the 48-cell deadlock matrix, the benches
}

TEST(ProtocolRoundTrip, EveryOptionalKeySetAwayFromItsDefaultSurvives) {
  AgentSpec spec;
  spec.server = {"stall",  true,  4,    "/srv/backing", 7ull << 20, 64,   250,
                 "malloc", 65536, true, true,           40u,        true, {}};
  spec.workload = {"fio", 96, 4, false, 3, 24};
  spec.monitor = {7, false, "abort", 9};
  spec.cgroup = {"v2", "server-root", 256, "off"};
  spec.pressure = {0, 48};
  auto diff = differences(spec, through_agent_channel(protocol::run_message_line(spec)));
  EXPECT_TRUE(diff.empty()) << testing::PrintToString(diff);

  AgentSpec external;
  external.server.backend = "external";
  external.server.exec = {"/usr/bin/bindfs", "{source}", "{mountpoint}"};
  external.server.source = "disk";
  external.pressure.hog_percent = 50;
  diff = differences(external, through_agent_channel(protocol::run_message_line(external)));
  EXPECT_TRUE(diff.empty()) << testing::PrintToString(diff);
}

TEST(ProtocolRoundTrip, TheAgentsTablesAreTheProtocolsNames) {
  std::vector<std::string> backends = agent::backend_names();
  backends.push_back("external");  // another server process, not a data backend
  EXPECT_EQ(
      std::set<std::string>(backends.begin(), backends.end()),
      std::set<std::string>(protocol::backend_names().begin(), protocol::backend_names().end()));
  EXPECT_EQ(agent::workload_kinds(), protocol::workload_kinds());
}

TEST(ProtocolRoundTrip, EveryAgentMessageParsesOnTheHostAsItsType) {
  struct Case {
    nlohmann::json message;
    AgentMessageType type;
  };
  agent::Result result;
  result.ok = true;
  const Case cases[] = {{agent::hello_message(), AgentMessageType::Hello},
                        {agent::progress_message(5), AgentMessageType::Progress},
                        {agent::result_message(result), AgentMessageType::Result},
                        {agent::error_message("oom", "server killed"), AgentMessageType::Error},
                        {agent::skip_message("no cgroup v1"), AgentMessageType::Skip},
                        {agent::bye_message(), AgentMessageType::Bye}};
  for (const auto& c : cases) {
    AgentMessage parsed = parse_agent_message(c.message.dump());
    EXPECT_EQ(parsed.type, c.type) << c.message.dump() << ": " << parsed.problem;
  }
  EXPECT_EQ(parse_agent_message(agent::hello_message().dump()).body["proto"], protocol::kVersion);
  // The host never takes its own message from the guest.
  EXPECT_EQ(parse_agent_message(R"({"msg":"run","spec":{}})").type, AgentMessageType::Invalid);
}

TEST(ProtocolRoundTrip, NamesAndTypesAreOneToOne) {
  using protocol::MessageType;
  std::set<std::string> names;
  for (auto t : {MessageType::Run, MessageType::Hello, MessageType::Progress, MessageType::Result,
                 MessageType::Error, MessageType::Stall, MessageType::Hang, MessageType::Skip,
                 MessageType::Bye, MessageType::Trace, MessageType::TraceEnd, MessageType::File,
                 MessageType::FileEnd}) {
    names.insert(protocol::message_name(t));
    EXPECT_EQ(protocol::message_type(protocol::message_name(t)), t);
  }
  EXPECT_EQ(names.size(), 13u);
  EXPECT_FALSE(protocol::message_type("colour").has_value());
}

TEST(ProtocolRoundTrip, TheAgentRefusesAnOverlongLineAtTheSharedLimit) {
  std::string line = std::string(protocol::kMaxLineBytes + 10, ' ') + "{}\n";
  try {
    through_agent_channel(line);
    ADD_FAILURE() << "an over-long line was accepted";
  } catch (const agent::AgentError& e) {
    EXPECT_EQ(e.stage(), "channel");
    EXPECT_NE(std::string(e.what()).find("64 KiB"), std::string::npos) << e.what();
  }
}

// The repro flags of the run message: set only when asked for (a matrix run's line has neither),
// read back by the agent's parser, and refused when not a boolean or a shell without stay_up.
TEST(ProtocolRoundTrip, TheShellFlagReachesTheAgentOnlyWhenTheHostSetsIt) {
  AgentSpec spec;
  auto parse = [](const std::string& line) {
    return nlohmann::json::parse(line.substr(0, line.size() - 1));
  };
  auto plain = parse(protocol::run_message_line(spec));
  EXPECT_FALSE(plain.contains("shell"));
  EXPECT_FALSE(agent::parse_shell(plain));
  EXPECT_FALSE(agent::parse_stay_up(plain));
  auto repro = parse(protocol::run_message_line(spec, /*stay_up=*/true, /*shell=*/true));
  EXPECT_TRUE(agent::parse_shell(repro));
  EXPECT_TRUE(agent::parse_stay_up(repro));
  EXPECT_FALSE(agent::parse_shell(parse(protocol::run_message_line(spec, true, false))));

  auto bad = repro;
  bad["shell"] = "yes";
  EXPECT_THROW(protocol::decode_shell(bad), protocol::SpecError);
  bad["shell"] = true;
  bad.erase("stay_up");
  try {
    protocol::decode_shell(bad);
    ADD_FAILURE() << "a shell without stay_up was accepted";
  } catch (const protocol::SpecError& e) {
    EXPECT_EQ(e.key(), "shell");
  }
}

// One rule on both sides for when the server may count more than the writer wrote.
TEST(ServerRewrites, OnlyMappingsAndPartPagesUnderTheWritebackCacheMayBeCountedTwice) {
  AgentSpec spec;
  spec.server.writeback_cache = true;
  spec.workload.kind = "fio";
  spec.workload.block_kib = 1;
  EXPECT_TRUE(protocol::server_may_count_rewrites(spec));
  spec.workload.block_kib = 4;
  EXPECT_FALSE(protocol::server_may_count_rewrites(spec));
  spec.workload.block_kib = 6;
  EXPECT_TRUE(protocol::server_may_count_rewrites(spec));
  EXPECT_FALSE(protocol::server_may_count_rewrites(spec, 2048));
  spec.server.writeback_cache = false;  // every write(2) is one FUSE_WRITE of its own bytes
  spec.workload.block_kib = 1;
  EXPECT_FALSE(protocol::server_may_count_rewrites(spec));
  spec.workload.kind = "mmap-write";
  EXPECT_TRUE(protocol::server_may_count_rewrites(spec));
}

}  // namespace
}  // namespace fuselab
