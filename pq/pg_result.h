#ifndef PQ_PG_RESULT_H_
#define PQ_PG_RESULT_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"

// libpq's handle types, declared here so that libpq-fe.h stays out of public headers.
struct pg_result;

namespace dbs::pq {

struct PgResultDeleter {
  void operator()(pg_result* result) const;  // PQclear
};

// The owner of one successful PGresult (rows of a query, or a command's tag). Values
// are read in text format; an out-of-range row or column is a programming error.
// Not thread-safe; move-only.
class PgResult {
 public:
  explicit PgResult(std::unique_ptr<pg_result, PgResultDeleter> result);

  int rows() const;
  int columns() const;
  bool IsNull(int row, int column) const;
  // The text value ("" for NULL). Valid while this PgResult lives.
  absl::string_view Text(int row, int column) const;
  std::string String(int row, int column) const { return std::string(Text(row, column)); }
  // Integer and boolean columns; NULL or unparsable text reads as 0 / false.
  int64_t Int64(int row, int column) const;
  bool Bool(int row, int column) const;
  // The command tag, e.g. "UPDATE 1" or "COMMIT".
  std::string CommandStatus() const;
  // Rows affected by INSERT/UPDATE/DELETE (0 when not applicable).
  int64_t AffectedRows() const;

 private:
  std::unique_ptr<pg_result, PgResultDeleter> result_;
};

}  // namespace dbs::pq

#endif  // PQ_PG_RESULT_H_
