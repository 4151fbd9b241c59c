# find_package(InstanceServiceClient CONFIG) gives:
#   dbs::instance_service_client          the client (InstanceServiceClient, options, errors)
#   dbs::instance_service_client_testing  the in-memory fake for consumers' unit tests
#   dbs::proto                            the generated instance.v1 messages it uses
include(CMakeFindDependencyMacro)
find_dependency(Threads)
find_dependency(Protobuf)
find_dependency(gRPC CONFIG)
find_dependency(absl CONFIG)
include(${CMAKE_CURRENT_LIST_DIR}/InstanceServiceClientTargets.cmake)
