#!/usr/bin/env bash
# docker_build_context.sh CMAKE REPO WORK_DIR DOCKERFILE...
# Without a Docker engine, checks that each Dockerfile's build stage copies enough of
# the repository: copies exactly the paths its build-stage COPY lines name into
# WORK_DIR, then configures that tree the way the Dockerfile does (tests off) and asks
# CMake's generated build system for the targets the Dockerfile builds. A source folder
# missing from the COPY list fails here instead of in the image build.
set -euo pipefail
cmake=$1 repo=$2 work=$3
shift 3
failures=0

for dockerfile in "$@"; do
  name=$(basename "$dockerfile")
  tree="$work/$name/src"
  rm -rf "$work/$name" && mkdir -p "$tree"
  # Build stage = up to the second FROM. COPY SRC... DEST (relative to WORKDIR /src).
  copies=$(awk '/^FROM /{n++} n==1 && /^COPY /{print}' "$dockerfile")
  while read -r _ args; do
    read -ra parts <<<"$args"
    dest=${parts[-1]}
    for src in "${parts[@]:0:${#parts[@]}-1}"; do
      [[ $src == --* ]] && continue
      target=$tree/$dest
      [[ $dest == ./ || $dest == . ]] && target=$tree/
      mkdir -p "$(dirname "$target")"
      cp -r "$repo/$src" "$target"
    done
  done <<<"$copies"
  # The build stage RUNs fetch-grpc-authz-source into .tools/; here, the same files
  # install-deps fetched stand in for it.
  if grep -q 'fetch-grpc-authz-source .tools/grpc-authz-src' "$dockerfile"; then
    mkdir -p "$tree/.tools" && cp -r "$repo/.tools/grpc-authz-src" "$tree/.tools/"
  fi
  targets=$(grep -oE -- '--target( [a-z_]+)+' "$dockerfile" | sed 's/--target //')
  if ! "$cmake" -S "$tree" -B "$work/$name/build" -DCMAKE_BUILD_TYPE=Release \
       -DDBS_BUILD_TESTS=OFF >"$work/$name/configure.log" 2>&1; then
    echo "FAIL: $name: the build stage's sources do not configure:"
    tail -n 30 "$work/$name/configure.log"
    failures=$((failures + 1))
    continue
  fi
  help=$("$cmake" --build "$work/$name/build" --target help)
  missing=0
  for t in $targets; do
    if ! grep -qE "^\.\.\. $t( |$)" <<<"$help"; then
      echo "FAIL: $name: target $t does not exist in the copied tree"
      missing=1
    fi
  done
  failures=$((failures + missing))
  ((missing)) || echo "ok: $name: COPY'd sources configure; targets $(echo $targets) exist"
done
rm -rf "$work"
exit $((failures > 0))
