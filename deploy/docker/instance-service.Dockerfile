# syntax=docker/dockerfile:1
# instance-service: the db_servers API. Build from the repository root:
#   docker build -f deploy/docker/instance-service.Dockerfile -t instance-service .
# The same image runs the server (default) and the Kubernetes schema job
# (`instance-service migrate`, deploy/postgres-cnpg/08-schema-job.yaml).

# ---- build: the same Debian packages as deploy/local/install-deps (tests excluded) ----
FROM debian:bookworm-slim AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config \
      libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler \
      libabsl-dev libgoogle-glog-dev libgflags-dev libpq-dev \
      golang-github-gogo-googleapis-dev grpc-proto prometheus-cpp-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Only what the CMake project reads; build folders and .tools/ stay out of the context.
COPY CMakeLists.txt ./
COPY cmake cmake
COPY proto proto
COPY errors errors
COPY identity identity
COPY metrics metrics
COPY pq pq
COPY serving serving
COPY instance_service instance_service
COPY client client
COPY database_service database_service
COPY deploy deploy
# gRPC's authorization policy provider: Debian's own source of the installed libgrpc29
# (serving/authorization/CMakeLists.txt says why).
RUN deploy/local/fetch-grpc-authz-source .tools/grpc-authz-src && rm -rf /var/lib/apt/lists/*
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release -DDBS_BUILD_TESTS=OFF \
 && cmake --build /build -j"$(nproc)" --target instance_service grpc_health_probe \
 && mkdir -p /out \
 && install -m 0755 -s /build/instance_service/instance-service /out/instance-service \
 && install -m 0755 -s /build/deploy/grpc-health-probe /out/grpc-health-probe

# ---- runtime: the binaries and the shared libraries they load, nothing else ----
# Every library `ldd` shows for the binaries comes from this package list or its
# Depends; tests/deploy/docker_runtime_libs.sh checks that against the real build.
FROM debian:bookworm-slim AS runtime
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libgrpc++1.51 libprotobuf32 libabsl20220623 libgoogle-glog0v6 libpq5 \
      libprometheus-cpp-pull1.0 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 65532 --user-group --no-create-home \
      --home-dir /nonexistent --shell /usr/sbin/nologin instance-service
COPY --from=build /out/instance-service /out/grpc-health-probe /usr/local/bin/
# Numeric, so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
USER 65532:65532
# Listen on every interface inside the container; logs to stderr (glog reads GLOG_*).
ENV INSTANCE_SERVICE_LISTEN=0.0.0.0:50051 \
    INSTANCE_SERVICE_METRICS_LISTEN=0.0.0.0:9464 \
    GLOG_logtostderr=1
# gRPC, and Prometheus metrics (GET /metrics).
EXPOSE 50051 9464
# Readiness semantics: SERVING only while the instance database is reachable.
# Kubernetes ignores HEALTHCHECK and uses its own gRPC probes (deploy/k8s).
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["/usr/local/bin/grpc-health-probe", "--service=instance.v1.DbServerService", \
       "--timeout_ms=2000", "127.0.0.1:50051"]
ENTRYPOINT ["/usr/local/bin/instance-service"]
