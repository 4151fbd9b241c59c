#!/usr/bin/env bash
# clang-tidy-14 with the repository's .clang-tidy, on the compile commands of a build.
#
#   tests/lint/clang_tidy.sh                     every non-test, non-generated source
#   tests/lint/clang_tidy.sh path/to/file.cc ... the given files (any the build compiles)
#   tests/lint/clang_tidy.sh -p BUILD_DIR ...    another build (default: build/)
#
# JOBS (default 2) files run at a time. A finding is an error (WarningsAsErrors: '*'),
# so the exit status is non-zero when any file has one. The build must have run first:
# the sources include generated headers. CLANG_TIDY overrides the binary.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build_dir=$repo/build
if [[ ${1:-} == -p ]]; then
  build_dir=${2:?usage: clang_tidy.sh [-p BUILD_DIR] [FILE...]}
  shift 2
fi
clang_tidy=${CLANG_TIDY:-clang-tidy-14}
jobs=${JOBS:-2}

command -v "$clang_tidy" >/dev/null || {
  echo "clang_tidy.sh: $clang_tidy not found (deploy/local/install-deps installs clang-tidy-14)" >&2
  exit 1
}
[[ -f $build_dir/compile_commands.json ]] || {
  echo "clang_tidy.sh: no $build_dir/compile_commands.json; configure and build first" >&2
  exit 1
}

if (($#)); then
  files=("$@")
else
  # Generated code (build/, .tools/) is not tracked; tests are not linted.
  mapfile -t files < <(cd "$repo" && git ls-files '*.cc' ':!:tests/**')
  files=("${files[@]/#/$repo/}")
fi
echo "clang-tidy: ${#files[@]} files, $jobs at a time, compile commands of $build_dir"

# One file per clang-tidy: its output is printed whole once it finishes, never interleaved.
# --config-file: the same checks wherever the file or the build folder lives.
export clang_tidy build_dir repo
printf '%s\0' "${files[@]}" | xargs -0 -n 1 -P "$jobs" bash -c '
  out=$("$clang_tidy" --quiet --config-file="$repo/.clang-tidy" -p "$build_dir" "$1" 2>&1) && status=0 || status=$?
  out=$(grep -Ev "^[0-9]+ warnings? generated\.$" <<<"$out" || true)
  if ((status)); then printf "FAILED %s\n%s\n" "$1" "$out"; else echo "ok $1"; fi
  exit $((status ? 1 : 0))' lint || {
  echo "clang-tidy: findings above; fix them, or suppress a false one with // NOLINT(check): reason"
  exit 1
}
echo "clang-tidy: clean"
