#include "serving/periodic_task.h"

#include <atomic>

#include <catch2/catch.hpp>

#include "absl/time/clock.h"

using dbs::serving::PeriodicTask;

TEST_CASE("a periodic task runs repeatedly and never after it is destroyed") {
  std::atomic<int> runs{0};
  {
    PeriodicTask task([&runs] { ++runs; }, absl::Milliseconds(5));
    const absl::Time give_up = absl::Now() + absl::Seconds(10);
    while (runs < 3 && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(5));
    CHECK(runs >= 3);
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
