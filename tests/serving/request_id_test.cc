// Request ids (x-request-id) and the --call_log setting.
#include "serving/request_id.h"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "serving/call_log.h"

using dbs::serving::CurrentRequestId;
using dbs::serving::RequestId;
using dbs::serving::ScopedRequestId;

TEST_CASE("A request id is 1 to 64 characters of letters, digits and ._:-") {
  for (const std::string& good : std::vector<std::string>{
           "a", "5b0e0c3e-9a51-4a8e-8c7d-1f2a3b4c5d6e", "req_1.2:3", std::string(64, 'x')}) {
    CAPTURE(good);
    const auto id = RequestId::Parse(good);
    REQUIRE(id.has_value());
    CHECK(id->view() == good);
  }
  for (const std::string& bad : std::vector<std::string>{"", "two words", "quote\"d", "new\nline",
                                                         "x-request-id=é", std::string(65, 'x')}) {
    CAPTURE(bad);
    CHECK_FALSE(RequestId::Parse(bad).has_value());
  }
}

TEST_CASE("A new request id is a lowercase UUID4, different every time") {
  const RequestId first = RequestId::New();
  const RequestId second = RequestId::New();
  const std::string text(first.view());
  REQUIRE(text.size() == 36);
  CHECK(text[8] == '-');
  CHECK(text[13] == '-');
  CHECK(text[14] == '4');
  CHECK(std::string("89ab").find(text[19]) != std::string::npos);
  CHECK(RequestId::Parse(text).has_value());
  CHECK(first.view() != second.view());
}

TEST_CASE("The current request id follows nested scopes and is empty outside them") {
  CHECK(CurrentRequestId().empty());
  const RequestId outer = *RequestId::Parse("outer");
  const RequestId inner = *RequestId::Parse("inner");
  {
    const ScopedRequestId outer_scope(outer);
    CHECK(CurrentRequestId() == "outer");
    {
      const ScopedRequestId inner_scope(inner);
      CHECK(CurrentRequestId() == "inner");
    }
    CHECK(CurrentRequestId() == "outer");
  }
  CHECK(CurrentRequestId().empty());
}

TEST_CASE("The call log setting takes none, errors or all, and names itself otherwise") {
  using dbs::serving::CallLogMode;
  CHECK(*dbs::serving::ParseCallLogMode("none", "--call_log") == CallLogMode::kNone);
  CHECK(*dbs::serving::ParseCallLogMode("errors", "--call_log") == CallLogMode::kErrors);
  CHECK(*dbs::serving::ParseCallLogMode("all", "--call_log") == CallLogMode::kAll);
  const auto bad = dbs::serving::ParseCallLogMode("verbose", "--call_log");
  REQUIRE(bad.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(bad.status().message() == "--call_log must be one of none, errors, all; got \"verbose\"");
  CHECK(ShouldLogCall(CallLogMode::kErrors, absl::StatusCode::kNotFound));
  CHECK_FALSE(ShouldLogCall(CallLogMode::kErrors, absl::StatusCode::kOk));
  CHECK(ShouldLogCall(CallLogMode::kAll, absl::StatusCode::kOk));
  CHECK_FALSE(ShouldLogCall(CallLogMode::kNone, absl::StatusCode::kInternal));
}
