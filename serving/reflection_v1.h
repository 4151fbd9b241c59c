#ifndef SERVING_REFLECTION_V1_H_
#define SERVING_REFLECTION_V1_H_

namespace dbs::serving {

// Makes every gRPC server built afterwards in this process also serve
// `grpc.reflection.v1.ServerReflection`, besides the `v1alpha` service that gRPC's
// own reflection plugin (grpc::reflection::InitProtoReflectionServerBuilderPlugin)
// adds. grpcurl >= 1.8.8, grpcui and Postman ask for v1 first; gRPC 1.51 serves
// only v1alpha. The two protocols' messages are the same field for field, and the
// answers here are built exactly as gRPC's v1alpha service builds them: from the
// generated descriptor pool (so a type is describable only if its descriptor is
// linked into the binary) and the server's own list of services.
//
// The service uses the callback API and answers from memory, never blocking a
// reactor. Call once, before building servers; repeated calls are harmless.
// Thread-safe.
void InitReflectionV1ServerBuilderPlugin();

}  // namespace dbs::serving

#endif  // SERVING_REFLECTION_V1_H_
