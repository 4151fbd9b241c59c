# syntax=docker/dockerfile:1
# database-service: provisions, monitors and allocates pools through instance-service's
# API. Build from the repository root:
#   docker build -f deploy/docker/database-service.Dockerfile -t database-service .
# It holds no setting, grant or SQL for the instance database; it talks libpq only to
# the pool servers it manages.

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
 && cmake --build /build -j"$(nproc)" --target database_service grpc_health_probe \
 && mkdir -p /out \
 && install -m 0755 -s /build/database_service/database-service /out/database-service \
 && install -m 0755 -s /build/deploy/grpc-health-probe /out/grpc-health-probe

# ---- runtime: the binaries and the shared libraries they load, nothing else ----
# Every library `ldd` shows for the binaries comes from this package list or its
# Depends; tests/deploy/docker_runtime_libs.sh checks that against the real build.
# libpq5: database-service connects to the pool servers (never the instance database).
FROM debian:bookworm-slim AS runtime
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libgrpc++1.51 libprotobuf32 libabsl20220623 libgoogle-glog0v6 libpq5 \
      libprometheus-cpp-pull1.0 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 65532 --user-group --no-create-home \
      --home-dir /nonexistent --shell /usr/sbin/nologin database-service
COPY --from=build /out/database-service /out/grpc-health-probe /usr/local/bin/
# Numeric, so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
USER 65532:65532
ENV DATABASE_SERVICE_LISTEN=0.0.0.0:50052 \
    DATABASE_SERVICE_METRICS_LISTEN=0.0.0.0:9465 \
    GLOG_logtostderr=1
# gRPC, and Prometheus metrics (GET /metrics).
EXPOSE 50052 9465
# Liveness semantics (service ""): the process answers. Kubernetes uses its own probes.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["/usr/local/bin/grpc-health-probe", "--timeout_ms=2000", "127.0.0.1:50052"]
ENTRYPOINT ["/usr/local/bin/database-service"]
