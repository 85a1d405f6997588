// A write side in one process for tests: the real embedded log, the write
// side's state store and command bus, and a read store with its projection
// runner, on a manual clock.
//
// TearDown closes the log before the members are destroyed, as serve does:
// an append's completion runs the bus's serializer after the caller's
// future is set, so the bus must outlive every queued append.
#pragma once

#include <gtest/gtest.h>

#include "base/clock.h"
#include "commands/command_bus.h"
#include "commands/state_store.h"
#include "eventstore/embedded_log.h"
#include "projections/catalog.h"
#include "projections/runner.h"
#include "tests/test_util.h"

namespace aftercare::testing {

inline constexpr Timestamp kTestEpoch{1795420800000};  // 2026-11-23T08:00:00Z

class WriteSideTest : public ::testing::Test {
 protected:
  TempDir tmp;
  Executor callbacks{2};
  std::unique_ptr<EmbeddedLog> log =
      std::move(EmbeddedLog::open({.dir = tmp.sub("log"), .partitions = 4})).value();
  Catalog catalog = make_catalog();
  std::unique_ptr<ReadStore> store =
      std::move(ReadStore::open(tmp.sub("views"), catalog.family_names())).value();
  ProjectionRunner runner{*log, *store, catalog.pointers(), catalog.upcasters, runner_options()};
  std::unique_ptr<StateStore> state = std::move(StateStore::open(*log, {.dir = tmp.sub("state")})).value();
  ManualClock clock{kTestEpoch};
  CommandBus bus{*log, *state, clock, callbacks};

  void SetUp() override {
    ASSERT_TRUE(runner.start().is_ok());
    ASSERT_TRUE(state->catch_up().is_ok());
    state->start();
    bus.admit(Admission::all);
  }
  void TearDown() override {
    stop_producers();
    log->close();
    state->stop();
    runner.stop();
    callbacks.shutdown();
  }
  RunnerOptions runner_options() {
    RunnerOptions o;
    o.post_callback = [this](std::function<void()> f) { callbacks.post(std::move(f)); };
    return o;
  }
  // Subclasses stop whatever else issues commands (a timer) first.
  virtual void stop_producers() {}
};

}  // namespace aftercare::testing
