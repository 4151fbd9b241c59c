#!/usr/bin/env bash
# The lint must be able to fail: a copy of a covered source with one finding added (a
# std::string passed by value, performance-unnecessary-value-param) must fail it.
#   clang_tidy_catches_findings.sh CLANG_TIDY_SH BUILD_DIR SOURCE
set -uo pipefail
lint=$1 build_dir=$2 source=$3
probe_dir=$build_dir/tests/lint/probe
mkdir -p "$probe_dir"
probe=$probe_dir/$(basename "$source")
{
  cat "$source"
  printf '\n#include <string>\nint LintProbe(std::string text) { return static_cast<int>(text.size()); }\n'
} >"$probe"
out=$(JOBS=1 "$lint" -p "$build_dir" "$probe" 2>&1)
status=$?
echo "$out"
if ((status == 0)) || [[ $out != *"[performance-unnecessary-value-param"* ]]; then
  echo "clang_tidy_catches_findings: the probe's finding was not reported as an error" >&2
  exit 1
fi
echo "clang_tidy_catches_findings: the probe's finding failed the lint, as it should"
