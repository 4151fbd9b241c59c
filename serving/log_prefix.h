#ifndef SERVING_LOG_PREFIX_H_
#define SERVING_LOG_PREFIX_H_

namespace dbs::serving {

// Initialises glog (instead of google::InitGoogleLogging) with glog's own line
// prefix, followed, on every line written while a call is being worked on, by that
// call's correlation id (request_id.h):
//
//   I20240501 12:00:00.123456  4242 tenant_allocator.cc:88] x-request-id=5b0e...-... message
//
// so every line of one call, in every service it reaches, is one grep away. Lines
// outside any call look exactly like glog's default. Call once, from main().
void InitLoggingWithRequestIds(const char* argv0);

}  // namespace dbs::serving

#endif  // SERVING_LOG_PREFIX_H_
