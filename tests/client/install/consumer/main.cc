// Uses the installed headers and libraries: a real client (never called) and the
// fake, through the same InstanceServiceClient API. Exits 0 when all is well.
#include <iostream>

#include "client/error_reason.h"
#include "client/instance_service_client.h"
#include "client/testing/fake_instance_service.h"

int main() {
  dbs::client::ClientOptions options;
  options.target = "dns:///instance-service:50051";
  dbs::client::InstanceServiceClient real = dbs::client::MakeInstanceServiceClient(options);
  (void)real;

  auto fake = std::make_shared<dbs::client::testing::FakeInstanceService>();
  dbs::client::InstanceServiceClient client(fake);
  instance::v1::DbServer pool;
  pool.set_display_name("pg-1");
  pool.set_host("10.0.0.1");
  pool.set_port(5432);
  pool.set_server_type("postgres");
  pool.set_max_instances(1);
  auto created = client.CreateDbServer(pool);
  if (!created.ok()) {
    std::cerr << created.status() << "\n";
    return 1;
  }
  auto taken = client.IncrementInstanceCount(created->id());
  if (dbs::client::ReasonOf(taken.status()) != instance::v1::DB_SERVER_NOT_ACTIVE) {
    std::cerr << "unexpected: " << taken.status() << "\n";
    return 1;
  }
  std::cout << "consumer OK: created " << created->id() << "\n";
  return 0;
}
