// The service request state machine: every (state, action) pair, the
// timers, and random command sequences replayed.
#include <gtest/gtest.h>

#include <random>

#include "domain/kind.h"
#include "domain/request.h"
#include "tests/request_samples.h"

namespace aftercare {
namespace {

constexpr Timestamp kT0{1795420800000};  // 2026-11-23T08:00:00Z
constexpr int64_t kHour = kMsPerHour;

OpenRequest open_cmd(bool suspended = false) {
  return testing::sample_open(Timestamp{kT0.ms + 48 * kHour}, suspended);
}

// Applies a command, asserting it is accepted; returns the new state.
struct Machine {
  RequestState state;
  std::vector<Event> events;
  Timestamp now = kT0;

  Decision run(const RequestCommand& cmd) {
    Decision d = decide_request(state, "R-1", cmd, now);
    if (auto* evs = std::get_if<std::vector<Event>>(&d)) {
      // One event per command: on Kafka a command's effect is then one record,
      // which is written whole or not at all.
      EXPECT_LE(evs->size(), 1u) << action_name(cmd);
      for (const Event& e : *evs) {
        EXPECT_TRUE(apply_request(state, "R-1", e).is_ok()) << e.name;
        events.push_back(e);
      }
    }
    now.ms += 1000;
    return d;
  }
  void must(const RequestCommand& cmd) {
    Decision d = run(cmd);
    ASSERT_FALSE(rejected(d)) << action_name(cmd) << ": " << std::get<Rejection>(d).message;
  }
};

enum class Start { awaiting, suspended, assigned, assigned_once_failed, locked, processed, closed, cancelled };

Machine machine_in(Start s) {
  Machine m;
  if (s == Start::suspended) {
    m.must(open_cmd(true));
    return m;
  }
  m.must(open_cmd());
  switch (s) {
    case Start::awaiting: break;
    case Start::suspended: break;
    case Start::assigned: m.must(AssignRequest{"E-7", "", ""}); break;
    case Start::assigned_once_failed:
      m = machine_in(Start::assigned);
      m.must(ReportRequest{"unresolved", "", 30, "", ""});
      m.must(AssignRequest{"E-8", "", ""});
      break;
    case Start::locked:
      m = machine_in(Start::assigned_once_failed);
      m.must(ReportRequest{"not_attended", "", 0, "", ""});
      break;
    case Start::processed: m.must(ResolveRemotely{"reset the board", "KB-1"}); break;
    case Start::closed:
      m = machine_in(Start::processed);
      m.must(RecordCallback{true, std::nullopt, ""});
      break;
    case Start::cancelled: m.must(CancelRequest{"duplicate"}); break;
  }
  return m;
}

constexpr const char* kIllegal = "409";

struct Row {
  Start start;
  const char* start_name;
  // Expected status after each action, or kIllegal.
  const char* assign;
  const char* suspend;
  const char* resume;
  const char* report_resolved;
  const char* report_unresolved;
  const char* resolve_remotely;
  const char* callback_satisfied;
  const char* callback_unsatisfied;
  const char* unlock_reassign;
  const char* unlock_close;
  const char* cancel;
};

const Row kTable[] = {
    {Start::awaiting, "awaiting_assignment", "assigned", "suspended", kIllegal, kIllegal, kIllegal,
     "processed", kIllegal, kIllegal, kIllegal, kIllegal, "cancelled"},
    {Start::suspended, "suspended", kIllegal, kIllegal, "awaiting_assignment", kIllegal, kIllegal,
     kIllegal, kIllegal, kIllegal, kIllegal, kIllegal, "cancelled"},
    {Start::assigned, "assigned", kIllegal, "suspended", kIllegal, "processed", "awaiting_assignment",
     kIllegal, kIllegal, kIllegal, kIllegal, kIllegal, "cancelled"},
    {Start::assigned_once_failed, "assigned", kIllegal, "suspended", kIllegal, "processed", "locked",
     kIllegal, kIllegal, kIllegal, kIllegal, kIllegal, "cancelled"},
    {Start::locked, "locked", kIllegal, kIllegal, kIllegal, kIllegal, kIllegal, kIllegal, kIllegal,
     kIllegal, "awaiting_assignment", "closed", "cancelled"},
    {Start::processed, "processed", kIllegal, kIllegal, kIllegal, kIllegal, kIllegal, kIllegal,
     "closed", "awaiting_assignment", kIllegal, kIllegal, "cancelled"},
    {Start::closed, "closed", kIllegal, kIllegal, kIllegal, kIllegal, kIllegal, kIllegal, kIllegal,
     kIllegal, kIllegal, kIllegal, kIllegal},
    {Start::cancelled, "cancelled", kIllegal, kIllegal, kIllegal, kIllegal, kIllegal, kIllegal,
     kIllegal, kIllegal, kIllegal, kIllegal, kIllegal},
};

TEST(RequestStateMachineTest, EveryActionInEveryState) {
  for (const Row& row : kTable) {
    const std::pair<RequestCommand, const char*> actions[] = {
        {AssignRequest{"E-9", "note", ""}, row.assign},
        {SuspendRequest{"waiting for the customer"}, row.suspend},
        {ResumeRequest{}, row.resume},
        {ReportRequest{"resolved", "fixed", 40, "", ""}, row.report_resolved},
        {ReportRequest{"unresolved", "needs a part", 40, "", ""}, row.report_unresolved},
        {ResolveRemotely{"talked through it", ""}, row.resolve_remotely},
        {RecordCallback{true, Scores{5, 4, 5, 5, 4}, ""}, row.callback_satisfied},
        {RecordCallback{false, std::nullopt, "still broken"}, row.callback_unsatisfied},
        {UnlockRequest{"reassign", ""}, row.unlock_reassign},
        {UnlockRequest{"close", ""}, row.unlock_close},
        {CancelRequest{"customer withdrew"}, row.cancel},
        {open_cmd(), kIllegal},
    };
    for (const auto& [cmd, expected] : actions) {
      Machine m = machine_in(row.start);
      ASSERT_EQ(status_name(m.state.status), row.start_name);
      const RequestState before = m.state;
      Decision d = m.run(cmd);
      const std::string where = std::string(row.start_name) + " + " + std::string(action_name(cmd));
      if (std::string(expected) == kIllegal) {
        ASSERT_TRUE(rejected(d)) << where << " should be refused";
        const Rejection& r = std::get<Rejection>(d);
        EXPECT_EQ(r.code, Errc::conflict) << where;
        EXPECT_EQ(r.current_status, row.start_name) << where;
        EXPECT_EQ(m.state, before) << where << " must not change the state";
      } else {
        ASSERT_FALSE(rejected(d)) << where << ": " << std::get<Rejection>(d).message;
        EXPECT_EQ(status_name(m.state.status), expected) << where;
      }
    }
  }
}

TEST(RequestStateMachineTest, FailedAttemptsCountAndTheSecondLocks) {
  Machine m = machine_in(Start::assigned);
  m.must(ReportRequest{"unresolved", "", 30, "", ""});
  EXPECT_EQ(m.state.attempts, 1);
  EXPECT_TRUE(m.state.engineer_id.empty());
  m.must(AssignRequest{"E-8", "", ""});
  EXPECT_EQ(m.state.engineer_id, "E-8");
  m.must(ReportRequest{"not_attended", "", 0, "", ""});
  EXPECT_EQ(m.state.status, RequestStatus::locked);
  EXPECT_EQ(m.state.lock_reason, "two_failed_attempts");
  EXPECT_EQ(m.state.attempts, 2);
  m.must(UnlockRequest{"reassign", "try the senior engineer"});
  EXPECT_EQ(m.state.status, RequestStatus::awaiting_assignment);
  EXPECT_TRUE(m.state.lock_reason.empty());
}

TEST(RequestStateMachineTest, TheLockingFailureIsOneEventThatSaysItLocks) {
  Machine m = machine_in(Start::assigned_once_failed);
  const size_t before = m.events.size();
  m.must(ReportRequest{"unresolved", "", 10, "", ""});
  ASSERT_EQ(m.events.size(), before + 1);
  EXPECT_EQ(m.events.back().name, "reported");
  EXPECT_EQ(m.events.back().version, 3);
  EXPECT_NE(m.events.back().data.find(R"("lock_reason":"two_failed_attempts")"), std::string::npos);
  EXPECT_EQ(m.state.status, RequestStatus::locked);
  EXPECT_EQ(m.state.attempts, 2);
  Machine first = machine_in(Start::assigned);
  first.must(ReportRequest{"unresolved", "", 10, "", ""});
  EXPECT_NE(first.events.back().data.find(R"("lock_reason":null)"), std::string::npos);
}

TEST(RequestStateMachineTest, SuspendRemembersWhereItCameFrom) {
  Machine m = machine_in(Start::assigned);
  m.must(SuspendRequest{"customer away"});
  EXPECT_EQ(m.state.suspended_from, RequestStatus::assigned);
  m.must(ResumeRequest{});
  EXPECT_EQ(m.state.status, RequestStatus::assigned);
  EXPECT_EQ(m.state.engineer_id, "E-7");
  EXPECT_FALSE(m.state.suspended_from.has_value());
}

TEST(RequestStateMachineTest, UnsatisfiedCallbackReturnsToAssignmentWithoutCountingAnAttempt) {
  Machine m = machine_in(Start::assigned);
  m.must(ReportRequest{"resolved", "", 30, "", ""});
  m.must(RecordCallback{false, std::nullopt, ""});
  EXPECT_EQ(m.state.status, RequestStatus::awaiting_assignment);
  EXPECT_EQ(m.state.attempts, 0);
}

TEST(RequestTimerTest, RequiredByLocksAnUnassignedRequest) {
  Machine m = machine_in(Start::awaiting);
  const Timestamp due = *m.state.required_by;
  m.now = Timestamp{due.ms - 1};
  m.must(DeadlinePassed{"required_by", due});
  EXPECT_EQ(m.state.status, RequestStatus::awaiting_assignment) << "not yet due: nothing happens";
  m.now = due;
  m.must(DeadlinePassed{"required_by", due});
  EXPECT_EQ(m.state.status, RequestStatus::locked);
  EXPECT_EQ(m.state.lock_reason, "not_assigned_in_time");
  const size_t n = m.events.size();
  m.must(DeadlinePassed{"required_by", due});
  EXPECT_EQ(m.events.size(), n) << "firing twice is harmless";
}

TEST(RequestTimerTest, RequiredByReturnsAnUnattendedAssignmentAndLocksTheSecondTime) {
  Machine m = machine_in(Start::assigned);
  const Timestamp due = *m.state.required_by;
  m.now = due;
  m.must(DeadlinePassed{"required_by", due});
  EXPECT_EQ(m.state.status, RequestStatus::awaiting_assignment);
  EXPECT_EQ(m.state.attempts, 1);
  EXPECT_EQ(m.events.back().name, "not_attended");
  EXPECT_TRUE(m.state.overdue);
  m.must(DeadlinePassed{"required_by", due});
  EXPECT_EQ(m.state.status, RequestStatus::awaiting_assignment)
      << "the deadline fires once: a returned request is not then locked for the same date";

  Machine twice = machine_in(Start::assigned_once_failed);
  twice.now = due;
  twice.must(DeadlinePassed{"required_by", due});
  EXPECT_EQ(twice.state.status, RequestStatus::locked);
  EXPECT_EQ(twice.state.lock_reason, "two_failed_attempts");
}

TEST(RequestTimerTest, StaleOrIrrelevantDeadlinesChangeNothing) {
  for (Start s : {Start::processed, Start::closed, Start::cancelled, Start::suspended, Start::locked}) {
    Machine m = machine_in(s);
    const Timestamp due = *m.state.required_by;
    m.now = Timestamp{due.ms + kHour};
    const RequestState before = m.state;
    m.must(DeadlinePassed{"required_by", due});
    EXPECT_EQ(m.state, before);
  }
  Machine m = machine_in(Start::awaiting);
  m.now = Timestamp{m.state.required_by->ms + kHour};
  m.must(DeadlinePassed{"required_by", Timestamp{12345}});  // not this request's deadline
  EXPECT_EQ(m.state.status, RequestStatus::awaiting_assignment);
}

TEST(RequestTimerTest, ComplaintsAreMarkedOverdueOnce) {
  Machine m;
  OpenRequest o = open_cmd();
  o.type = "complaint";
  o.complaint = Complaint{2, "quality office", Timestamp{kT0.ms + 2 * kHour}, false};
  m.must(o);
  m.now = Timestamp{kT0.ms + 3 * kHour};
  m.must(DeadlinePassed{"respond_by", o.complaint->respond_by});
  ASSERT_TRUE(m.state.complaint.has_value());
  EXPECT_TRUE(m.state.complaint->overdue);
  const size_t n = m.events.size();
  m.must(DeadlinePassed{"respond_by", o.complaint->respond_by});
  EXPECT_EQ(m.events.size(), n);
}

TEST(RequestDecideTest, UnknownRequestsAndPastDeadlines) {
  RequestState none;
  auto d = decide_request(none, "R-404", AssignRequest{"E-1", "", ""}, kT0);
  ASSERT_TRUE(rejected(d));
  EXPECT_EQ(std::get<Rejection>(d).code, Errc::not_found);
  OpenRequest late = open_cmd();
  late.required_by = Timestamp{kT0.ms - 1};
  d = decide_request(none, "R-1", late, kT0);
  ASSERT_TRUE(rejected(d));
  EXPECT_EQ(std::get<Rejection>(d).code, Errc::unprocessable);
}

TEST(RequestStateJsonTest, RoundTripsEveryField) {
  Machine m;
  OpenRequest o = open_cmd(true);
  o.type = "complaint";
  o.serial_no = "WM7-000123";
  o.description = "滚筒不转 \"E21\"\n";
  o.complaint = Complaint{3, "service manager", Timestamp{kT0.ms + kHour}, false};
  m.must(o);
  auto back = request_from_json(request_to_json(m.state));
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(*back, m.state);
}

// Random command sequences: the state built command by command equals the
// state rebuilt from the events alone through the stored-JSON fold (the
// path the write side and replay take).
TEST(RequestPropertyTest, LiveStateEqualsStateRebuiltFromEvents) {
  std::mt19937 rng(20261123);
  const std::vector<std::function<RequestCommand(std::mt19937&, const RequestState&)>> gens = {
      [](std::mt19937& r, const RequestState&) -> RequestCommand { return AssignRequest{"E-" + std::to_string(r() % 5), "n", ""}; },
      [](std::mt19937&, const RequestState&) -> RequestCommand { return SuspendRequest{"why"}; },
      [](std::mt19937&, const RequestState&) -> RequestCommand { return ResumeRequest{}; },
      [](std::mt19937& r, const RequestState&) -> RequestCommand {
        const char* outcomes[] = {"resolved", "unresolved", "not_attended"};
        return ReportRequest{outcomes[r() % 3], "notes", static_cast<int64_t>(r() % 300), "", ""};
      },
      [](std::mt19937&, const RequestState&) -> RequestCommand { return ResolveRemotely{"n", "KB-7"}; },
      [](std::mt19937& r, const RequestState&) -> RequestCommand {
        return RecordCallback{r() % 2 == 0, Scores{5, 4, 3, 2, 1}, "c"};
      },
      [](std::mt19937& r, const RequestState&) -> RequestCommand {
        return UnlockRequest{r() % 2 ? "reassign" : "close", ""};
      },
      [](std::mt19937&, const RequestState&) -> RequestCommand { return CancelRequest{"r"}; },
      [](std::mt19937&, const RequestState& s) -> RequestCommand {
        return DeadlinePassed{"required_by", s.required_by.value_or(Timestamp{})};
      },
  };
  int accepted = 0, refused = 0;
  for (int seq = 0; seq < 3000; ++seq) {
    Machine m;
    m.must(open_cmd(rng() % 4 == 0));
    const int steps = 1 + static_cast<int>(rng() % 25);
    for (int i = 0; i < steps; ++i) {
      if (rng() % 10 == 0) m.now.ms += 30 * kHour;  // sometimes let deadlines pass
      const auto cmd = gens[rng() % gens.size()](rng, m.state);
      rejected(m.run(cmd)) ? ++refused : ++accepted;
      ASSERT_GE(m.state.attempts, 0);
      if (!is_open(m.state.status)) {
        ASSERT_FALSE(m.state.suspended_from.has_value());
      }
    }
    std::string rebuilt;
    for (const Event& e : m.events) {
      auto next = fold(request_kind(), "R-1", rebuilt, e);
      ASSERT_TRUE(next.is_ok()) << next.status().to_string();
      rebuilt = std::move(next).value();
    }
    ASSERT_EQ(rebuilt, request_to_json(m.state)) << "sequence " << seq;
  }
  // The generator must exercise both sides of the machine, many times.
  EXPECT_GT(accepted, 5000);
  EXPECT_GT(refused, 5000);
}

}  // namespace
}  // namespace aftercare
