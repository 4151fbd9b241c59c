#include "pq/pg_result.h"

#include <libpq-fe.h>

#include "absl/strings/numbers.h"

namespace dbs::pq {

void PgResultDeleter::operator()(pg_result* result) const { PQclear(result); }

PgResult::PgResult(std::unique_ptr<pg_result, PgResultDeleter> result)
    : result_(std::move(result)) {}

int PgResult::rows() const { return PQntuples(result_.get()); }

int PgResult::columns() const { return PQnfields(result_.get()); }

bool PgResult::IsNull(int row, int column) const {
  return PQgetisnull(result_.get(), row, column) != 0;
}

absl::string_view PgResult::Text(int row, int column) const {
  return absl::string_view(PQgetvalue(result_.get(), row, column),
                           PQgetlength(result_.get(), row, column));
}

int64_t PgResult::Int64(int row, int column) const {
  int64_t value = 0;
  if (!absl::SimpleAtoi(Text(row, column), &value)) return 0;
  return value;
}

bool PgResult::Bool(int row, int column) const { return Text(row, column) == "t"; }

std::string PgResult::CommandStatus() const { return PQcmdStatus(result_.get()); }

int64_t PgResult::AffectedRows() const {
  int64_t value = 0;
  if (!absl::SimpleAtoi(PQcmdTuples(result_.get()), &value)) return 0;
  return value;
}

}  // namespace dbs::pq
