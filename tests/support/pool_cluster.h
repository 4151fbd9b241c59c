#ifndef TESTS_SUPPORT_POOL_CLUSTER_H_
#define TESTS_SUPPORT_POOL_CLUSTER_H_

#include <string>

namespace dbs::testing {

// A PostgreSQL cluster of its own (deploy/local/pg-cluster), acting as a pool
// server that database-service manages: its databases and roles are the
// test's alone, unlike the shared fixture's. Started in a fresh folder under
// `state_parent`, stopped and deleted on destruction. Fails the current test
// when it cannot start.
class PoolCluster {
 public:
  explicit PoolCluster(const std::string& state_parent);
  ~PoolCluster();
  PoolCluster(const PoolCluster&) = delete;
  PoolCluster& operator=(const PoolCluster&) = delete;

  // Stops the server but keeps its data; Resume() starts it again, same port.
  void Halt();
  void Resume();
  // libpq connection string of the superuser, `postgres` database.
  const std::string& conninfo() const { return conninfo_; }
  int port() const { return port_; }

  // `\l`: the names of the databases matching the SQL LIKE pattern `like`,
  // sorted, comma-separated.
  std::string Databases(const std::string& like) const;

 private:
  std::string state_dir_;
  std::string conninfo_;
  int port_ = 0;
};

// The stdout of `command` without surrounding white space; fails the current
// test unless the command exits with 0.
std::string RunOrFail(const std::string& command);

}  // namespace dbs::testing

#endif  // TESTS_SUPPORT_POOL_CLUSTER_H_
