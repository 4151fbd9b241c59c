#include "serving/reflection_v1.h"

#include <atomic>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "grpc/reflection/v1/reflection.grpc.pb.h"
#include "grpcpp/impl/server_builder_plugin.h"
#include "grpcpp/impl/server_initializer.h"
#include "grpcpp/server_builder.h"
#include "grpcpp/support/server_callback.h"

namespace dbs::serving {
namespace {

namespace v1 = ::grpc::reflection::v1;
using google::protobuf::DescriptorPool;
using google::protobuf::FileDescriptor;

// Answers one request the way gRPC's v1alpha ProtoServerReflection does
// (src/cpp/ext/proto_server_reflection.cc in gRPC 1.51), so both protocols give the
// same answers: the same lookups, the same error codes and messages.
class ReflectionAnswers {
 public:
  explicit ReflectionAnswers(const std::vector<std::string>* services) : services_(services) {}

  void Answer(const v1::ServerReflectionRequest& request,
              v1::ServerReflectionResponse* response) const {
    grpc::Status status;
    switch (request.message_request_case()) {
      case v1::ServerReflectionRequest::kFileByFilename:
        status = FileResponse(pool_->FindFileByName(request.file_by_filename()), "File not found.",
                              response);
        break;
      case v1::ServerReflectionRequest::kFileContainingSymbol:
        status = FileResponse(pool_->FindFileContainingSymbol(request.file_containing_symbol()),
                              "Symbol not found.", response);
        break;
      case v1::ServerReflectionRequest::kFileContainingExtension:
        status = FileContainingExtension(request.file_containing_extension(), response);
        break;
      case v1::ServerReflectionRequest::kAllExtensionNumbersOfType:
        status = AllExtensionNumbers(request.all_extension_numbers_of_type(),
                                     response->mutable_all_extension_numbers_response());
        break;
      case v1::ServerReflectionRequest::kListServices:
        status = ListServices(response->mutable_list_services_response());
        break;
      default:
        status = grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "");
    }
    if (!status.ok()) {
      response->mutable_error_response()->set_error_code(status.error_code());
      response->mutable_error_response()->set_error_message(status.error_message());
    }
    response->set_valid_host(request.host());
    *response->mutable_original_request() = request;
  }

 private:
  grpc::Status ListServices(v1::ListServiceResponse* response) const {
    if (services_ == nullptr)
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "Services not found.");
    for (const std::string& name : *services_) response->add_service()->set_name(name);
    return grpc::Status::OK;
  }

  grpc::Status FileContainingExtension(const v1::ExtensionRequest& request,
                                       v1::ServerReflectionResponse* response) const {
    const auto* type = pool_->FindMessageTypeByName(request.containing_type());
    if (type == nullptr) return grpc::Status(grpc::StatusCode::NOT_FOUND, "Type not found.");
    const auto* extension = pool_->FindExtensionByNumber(type, request.extension_number());
    if (extension == nullptr) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "Extension not found.");
    }
    return FileResponse(extension->file(), "", response);
  }

  grpc::Status AllExtensionNumbers(const std::string& type_name,
                                   v1::ExtensionNumberResponse* response) const {
    const auto* type = pool_->FindMessageTypeByName(type_name);
    if (type == nullptr) return grpc::Status(grpc::StatusCode::NOT_FOUND, "Type not found.");
    std::vector<const google::protobuf::FieldDescriptor*> extensions;
    pool_->FindAllExtensions(type, &extensions);
    for (const auto* extension : extensions) response->add_extension_number(extension->number());
    response->set_base_type_name(type_name);
    return grpc::Status::OK;
  }

  // `file` and, transitively, every file it imports, each once.
  grpc::Status FileResponse(const FileDescriptor* file, const char* not_found,
                            v1::ServerReflectionResponse* response) const {
    if (file == nullptr) return grpc::Status(grpc::StatusCode::NOT_FOUND, not_found);
    std::unordered_set<std::string> seen;
    AddFile(file, response->mutable_file_descriptor_response(), &seen);
    return grpc::Status::OK;
  }

  static void AddFile(const FileDescriptor* file, v1::FileDescriptorResponse* response,
                      std::unordered_set<std::string>* seen) {
    if (!seen->insert(file->name()).second) return;
    google::protobuf::FileDescriptorProto proto;
    file->CopyTo(&proto);
    proto.SerializeToString(response->add_file_descriptor_proto());
    for (int i = 0; i < file->dependency_count(); ++i) AddFile(file->dependency(i), response, seen);
  }

  const DescriptorPool* pool_ = DescriptorPool::generated_pool();
  const std::vector<std::string>* services_;
};

// One ServerReflectionInfo stream: read a request, write its answer, until the
// client half-closes.
class ReflectionStream
    : public grpc::ServerBidiReactor<v1::ServerReflectionRequest, v1::ServerReflectionResponse> {
 public:
  explicit ReflectionStream(const std::vector<std::string>* services) : answers_(services) {
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the client is done sending
      Finish(grpc::Status::OK);
      return;
    }
    response_.Clear();
    answers_.Answer(request_, &response_);
    StartWrite(&response_);
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "the reflection stream broke"));
      return;
    }
    StartRead(&request_);
  }

  void OnDone() override { delete this; }

 private:
  ReflectionAnswers answers_;
  v1::ServerReflectionRequest request_;
  v1::ServerReflectionResponse response_;
};

class ReflectionV1Service final : public v1::ServerReflection::CallbackService {
 public:
  // The server's service names; set once the server has started (until then
  // list_services answers NOT_FOUND, as gRPC's v1alpha service does).
  void SetServiceList(const std::vector<std::string>* services) { services_.store(services); }

  grpc::ServerBidiReactor<v1::ServerReflectionRequest, v1::ServerReflectionResponse>*
  ServerReflectionInfo(grpc::CallbackServerContext* /*context*/) override {
    return new ReflectionStream(services_.load());
  }

 private:
  std::atomic<const std::vector<std::string>*> services_{nullptr};
};

// Adds the service to each server a ServerBuilder builds, and hands it the
// server's service list once the server has started; the server owns the service.
class ReflectionV1Plugin : public grpc::ServerBuilderPlugin {
 public:
  std::string name() override { return "dbs_reflection_v1"; }
  void InitServer(grpc::ServerInitializer* initializer) override {
    initializer->RegisterService(service_);
  }
  void Finish(grpc::ServerInitializer* initializer) override {
    service_->SetServiceList(initializer->GetServiceList());
  }
  void ChangeArguments(const std::string& /*name*/, void* /*value*/) override {}

 private:
  std::shared_ptr<ReflectionV1Service> service_ = std::make_shared<ReflectionV1Service>();
};

std::unique_ptr<grpc::ServerBuilderPlugin> CreateReflectionV1Plugin() {
  return std::make_unique<ReflectionV1Plugin>();
}

}  // namespace

void InitReflectionV1ServerBuilderPlugin() {
  static const bool registered = [] {
    grpc::ServerBuilder::InternalAddPluginFactory(&CreateReflectionV1Plugin);
    return true;
  }();
  (void)registered;
}

}  // namespace dbs::serving
