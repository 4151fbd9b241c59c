#!/usr/bin/env bash
# Every C++ file the repository tracks is clang-format clean (.clang-format: Google
# style, 100 columns). Fix with: git ls-files '*.cc' '*.h' | xargs clang-format -i
set -euo pipefail
cd "$1"
mapfile -t files < <(git ls-files '*.cc' '*.h')
echo "checking ${#files[@]} files"
clang-format --dry-run --Werror "${files[@]}"
