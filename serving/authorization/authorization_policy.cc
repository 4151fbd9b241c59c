#include "serving/authorization/authorization_policy.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "grpc/grpc_security.h"
// gRPC internals, from Debian's source package of the installed version (see
// CMakeLists.txt): the provider and engine interfaces the server's authz filter calls.
#include "src/core/lib/gprpp/ref_counted_ptr.h"
#include "src/core/lib/security/authorization/authorization_engine.h"
#include "src/core/lib/security/authorization/authorization_policy_provider.h"
#include "src/core/lib/security/authorization/evaluate_args.h"

namespace dbs::serving {
namespace {

using grpc_core::AuthorizationEngine;
using grpc_core::EvaluateArgs;
using grpc_core::RefCountedPtr;

AuthorizationDenial DenialOf(const EvaluateArgs& args, std::string deny_rule) {
  AuthorizationDenial denial;
  denial.method = std::string(args.GetPath());
  // The order in which gRPC's principal matcher looks at the certificate.
  const std::vector<absl::string_view> uri_sans = args.GetUriSans();
  const std::vector<absl::string_view> dns_sans = args.GetDnsSans();
  if (!uri_sans.empty()) {
    denial.principal = std::string(uri_sans.front());
  } else if (!dns_sans.empty()) {
    denial.principal = std::string(dns_sans.front());
  } else {
    denial.principal = std::string(args.GetSubject());
  }
  denial.peer = std::string(args.GetPeerAddressString());
  denial.deny_rule = std::move(deny_rule);
  return denial;
}

// One of gRPC's engines, its decision returned unchanged and reported when it
// refuses the call. The server's filter asks the deny engine first (kDeny there
// refuses the call) and then the allow engine (anything but kAllow refuses it), so
// each denied call is reported exactly once.
class ObservingEngine : public AuthorizationEngine {
 public:
  enum class Role { kDeny, kAllow };

  ObservingEngine(RefCountedPtr<AuthorizationEngine> engine, Role role,
                  std::shared_ptr<const AuthorizationDenialObserver> observer)
      : engine_(std::move(engine)), role_(role), observer_(std::move(observer)) {}

  Decision Evaluate(const EvaluateArgs& args) const override {
    Decision decision = engine_->Evaluate(args);
    if (role_ == Role::kDeny && decision.type == Decision::Type::kDeny) {
      (*observer_)(DenialOf(args, decision.matching_policy_name));
    } else if (role_ == Role::kAllow && decision.type != Decision::Type::kAllow) {
      (*observer_)(DenialOf(args, ""));
    }
    return decision;
  }

 private:
  RefCountedPtr<AuthorizationEngine> engine_;
  Role role_;
  std::shared_ptr<const AuthorizationDenialObserver> observer_;
};

// The file watcher's current engines, each wrapped in an ObservingEngine. The
// wrappers are rebuilt only when a reload replaced the engines, not per call.
class ObservingProvider : public grpc_authorization_policy_provider {
 public:
  ObservingProvider(
      std::shared_ptr<grpc::experimental::FileWatcherAuthorizationPolicyProvider> watched,
      std::shared_ptr<const AuthorizationDenialObserver> observer)
      : watched_(std::move(watched)), observer_(std::move(observer)) {}

  AuthorizationEngines engines() override {
    AuthorizationEngines current = watched_->c_provider()->engines();
    absl::MutexLock lock(&mu_);
    if (current.allow_engine.get() != allow_source_.get() ||
        current.deny_engine.get() != deny_source_.get()) {
      allow_source_ = std::move(current.allow_engine);
      deny_source_ = std::move(current.deny_engine);
      allow_ = Wrap(allow_source_, ObservingEngine::Role::kAllow);
      deny_ = Wrap(deny_source_, ObservingEngine::Role::kDeny);
    }
    return {allow_, deny_};
  }

  // Nothing to stop: the watched provider's refresh thread ends with its last owner.
  void Orphan() override {}

 private:
  RefCountedPtr<AuthorizationEngine> Wrap(const RefCountedPtr<AuthorizationEngine>& engine,
                                          ObservingEngine::Role role) const {
    if (engine == nullptr) return nullptr;
    return grpc_core::MakeRefCounted<ObservingEngine>(engine, role, observer_);
  }

  const std::shared_ptr<grpc::experimental::FileWatcherAuthorizationPolicyProvider> watched_;
  const std::shared_ptr<const AuthorizationDenialObserver> observer_;
  absl::Mutex mu_;
  // The engines last seen (kept alive, so a pointer is never reused while cached)...
  RefCountedPtr<AuthorizationEngine> allow_source_ ABSL_GUARDED_BY(mu_);
  RefCountedPtr<AuthorizationEngine> deny_source_ ABSL_GUARDED_BY(mu_);
  // ...and their wrappers.
  RefCountedPtr<AuthorizationEngine> allow_ ABSL_GUARDED_BY(mu_);
  RefCountedPtr<AuthorizationEngine> deny_ ABSL_GUARDED_BY(mu_);
};

// The C++ face ServerBuilder takes; owns one strong reference to the provider.
class ObservedPolicyProvider : public grpc::experimental::AuthorizationPolicyProviderInterface {
 public:
  explicit ObservedPolicyProvider(grpc_authorization_policy_provider* provider)
      : provider_(provider) {}
  ~ObservedPolicyProvider() override { grpc_authorization_policy_provider_release(provider_); }
  ObservedPolicyProvider(const ObservedPolicyProvider&) = delete;
  ObservedPolicyProvider& operator=(const ObservedPolicyProvider&) = delete;

  grpc_authorization_policy_provider* c_provider() override { return provider_; }

 private:
  grpc_authorization_policy_provider* provider_;
};

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::experimental::AuthorizationPolicyProviderInterface>>
WatchAuthorizationPolicyFile(const std::string& path, absl::Duration refresh,
                             AuthorizationDenialObserver observer) {
  const auto refresh_seconds =
      static_cast<unsigned int>(std::max<int64_t>(1, absl::ToInt64Seconds(refresh)));
  grpc::Status status;
  std::shared_ptr<grpc::experimental::FileWatcherAuthorizationPolicyProvider> watched =
      grpc::experimental::FileWatcherAuthorizationPolicyProvider::Create(path, refresh_seconds,
                                                                         &status);
  if (watched == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("authorization policy ", path, ": ", status.error_message()));
  }
  if (!observer) return watched;
  RefCountedPtr<ObservingProvider> observing = grpc_core::MakeRefCounted<ObservingProvider>(
      std::move(watched), std::make_shared<const AuthorizationDenialObserver>(std::move(observer)));
  return std::make_shared<ObservedPolicyProvider>(observing.release());
}

}  // namespace dbs::serving
