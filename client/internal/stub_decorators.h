#ifndef CLIENT_INTERNAL_STUB_DECORATORS_H_
#define CLIENT_INTERNAL_STUB_DECORATORS_H_

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "client/internal/db_server_stub.h"

namespace dbs::client::internal {

// Adds fixed metadata to every attempt: the bearer token (`authorization`) and
// ClientOptions::metadata. Business code never touches credentials.
class MetadataStub : public DbServerStub {
 public:
  MetadataStub(std::shared_ptr<DbServerStub> child, std::map<std::string, std::string> metadata);

  DBS_FOR_EACH_DB_SERVER_RPC(DBS_DECLARE_STUB_OVERRIDE)

 private:
  void Decorate(grpc::ClientContext& context) const;

  std::shared_ptr<DbServerStub> child_;
  std::map<std::string, std::string> metadata_;
};

// Reports one line per attempt to `sink`: RPC, request_id (when the request has
// one), final code, reason and latency. Never logs bodies or metadata.
class LoggingStub : public DbServerStub {
 public:
  LoggingStub(std::shared_ptr<DbServerStub> child, std::function<void(const std::string&)> sink);

  DBS_FOR_EACH_DB_SERVER_RPC(DBS_DECLARE_STUB_OVERRIDE)

 private:
  std::shared_ptr<DbServerStub> child_;
  std::function<void(const std::string&)> sink_;
};

}  // namespace dbs::client::internal

#endif  // CLIENT_INTERNAL_STUB_DECORATORS_H_
