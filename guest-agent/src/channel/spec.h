// The cell a host asks the agent to run (PROTOCOL.md, `spec`): the protocol's structs, read by
// the protocol's one decoder (protocol/agent_spec.h), with its errors as the agent reports them.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "protocol/agent_spec.h"

namespace fuselab::agent {

using protocol::CgroupSpec;
using protocol::MonitorSpec;
using protocol::PressureSpec;
using protocol::ServerSpec;
using protocol::WorkloadSpec;
using Spec = protocol::AgentSpec;

// Throw AgentError(stage "spec") naming the key, e.g. "server.threads: want an integer in
// [1, 64], got 0" or "workload.colour: unknown key".
Spec parse_spec(const nlohmann::json& j);
Spec parse_spec_text(const std::string& text);  // parses the text first
Spec parse_run_message(const nlohmann::json& msg);
bool parse_stay_up(const nlohmann::json& msg);  // the run message's stay_up (fuselab repro)
bool parse_shell(const nlohmann::json& msg);    // its shell (fuselab repro --shell)

}  // namespace fuselab::agent
