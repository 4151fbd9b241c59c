#include "serving/periodic_task.h"

#include <atomic>
#include <thread>

#include <catch2/catch.hpp>

#include "absl/time/clock.h"

namespace {

using dbs::serving::PeriodicTask;
using dbs::serving::PeriodicTaskOptions;

// Polls `done` until it holds or `limit` passes; whether it held.
template <typename Condition>
bool Eventually(Condition done, absl::Duration limit = absl::Seconds(10)) {
  const absl::Time give_up = absl::Now() + limit;
  while (!done()) {
    if (absl::Now() > give_up) return false;
    absl::SleepFor(absl::Milliseconds(2));
  }
  return true;
}

TEST_CASE("a periodic task runs repeatedly and never after it is destroyed") {
  std::atomic<int> runs{0};
  {
    PeriodicTask task([&runs] { ++runs; }, absl::Milliseconds(5));
    CHECK(Eventually([&] { return runs >= 3; }));
  }
  const int after_destruction = runs;
  absl::SleepFor(absl::Milliseconds(50));
  CHECK(runs == after_destruction);
}

TEST_CASE("destroying a periodic task does not wait for its interval") {
  const absl::Time start = absl::Now();
  {
    PeriodicTask task([] {}, absl::Hours(1));
  }
  CHECK(absl::Now() - start < absl::Seconds(5));
}

TEST_CASE("a periodic task counts the runs it has finished") {
  std::atomic<int> calls{0};
  PeriodicTask task([&calls] { ++calls; }, absl::Milliseconds(1));
  REQUIRE(Eventually([&] { return task.runs() >= 5; }));
  task.Stop();
  CHECK(task.runs() == calls);
}

TEST_CASE("run_at_start runs the first time at once, the next after the interval") {
  PeriodicTaskOptions options;
  options.interval = absl::Hours(1);
  options.run_at_start = true;
  PeriodicTask task([] {}, options);
  CHECK(Eventually([&] { return task.runs() == 1; }));
  const absl::Time stop_started = absl::Now();
  task.Stop();
  CHECK(absl::Now() - stop_started < absl::Seconds(5));
  CHECK(task.runs() == 1);
}

TEST_CASE("Stop waits for the run in progress and is idempotent from any thread") {
  std::atomic<bool> running{false};
  std::atomic<bool> finished{false};
  PeriodicTaskOptions options;
  options.interval = absl::Milliseconds(1);
  options.run_at_start = true;
  PeriodicTask task(
      [&] {
        running = true;
        absl::SleepFor(absl::Milliseconds(50));
        finished = true;
      },
      options);
  REQUIRE(Eventually([&] { return running.load(); }));
  std::thread other([&task] { task.Stop(); });
  task.Stop();
  CHECK(finished);
  other.join();
  task.Stop();
  CHECK(task.runs() >= 1);
}

TEST_CASE("each wait is the interval times a factor drawn from the jitter window") {
  PeriodicTaskOptions options;
  options.interval = absl::Seconds(10);
  CHECK(PeriodicTask::NextWait(options) == absl::Seconds(10));
  options.jitter = 0.2;
  bool varies = false;
  for (int i = 0; i < 100; ++i) {
    const absl::Duration wait = PeriodicTask::NextWait(options);
    CHECK(wait >= absl::Seconds(8));
    CHECK(wait <= absl::Seconds(12));
    varies = varies || wait != absl::Seconds(10);
  }
  CHECK(varies);
  options.jitter = 7;  // clamped to 1
  CHECK(PeriodicTask::NextWait(options) <= absl::Seconds(20));
}

TEST_CASE("the wait counts from the end of a run, or from its start when asked") {
  // Lower bounds only: how late a loaded machine wakes a thread has no bound.
  for (const bool from_start : {false, true}) {
    CAPTURE(from_start);
    PeriodicTaskOptions options;
    options.interval = absl::Milliseconds(20);
    options.wait_from_run_start = from_start;
    std::atomic<int> runs{0};
    absl::Time starts[3], ends[3];
    {
      PeriodicTask task(
          [&] {
            const int run = runs;
            if (run >= 3) return;
            starts[run] = absl::Now();
            absl::SleepFor(absl::Milliseconds(5));
            ends[run] = absl::Now();
            ++runs;
          },
          options);
      REQUIRE(Eventually([&] { return runs >= 3; }));
    }
    for (int i = 1; i < 3; ++i) {
      const absl::Time measured_from = from_start ? starts[i - 1] : ends[i - 1];
      CHECK(starts[i] - measured_from >= options.interval);
    }
  }
}

}  // namespace
