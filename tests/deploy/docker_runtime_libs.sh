#!/usr/bin/env bash
# docker_runtime_libs.sh INSTALL_DEPS DOCKERFILE BINARY...
#
# What can be checked of a Dockerfile without a Docker engine, against the binaries this
# build really produced:
#   1. every shared library `ldd` resolves for each BINARY belongs to a Debian package
#      (dpkg -S) that the runtime stage installs: one named on its `apt-get install`
#      line, or one apt pulls in through Depends/Pre-Depends (first alternative only,
#      as apt would choose on a clean image; Recommends do not count, the Dockerfile
#      passes --no-install-recommends). Nothing is assumed about the base image;
#   2. both stages start FROM debian:bookworm-slim, and the build stage installs only
#      packages that deploy/local/install-deps installs (the same packages as the build);
#   3. the runtime stage installs no -dev package or compiler, copies only from the
#      build stage's /out, runs as a numeric non-root USER and has a HEALTHCHECK.
# The package closure is computed from this machine's dpkg database, so it is only
# meaningful on Debian bookworm (the image's base), which is what CI runs.
set -euo pipefail

[[ $# -ge 3 ]] || { sed -n '2,16p' "$0" >&2; exit 2; }
install_deps=$1
dockerfile=$2
shift 2
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# Instructions of one stage, continuation lines joined, comments dropped.
# Stage 1 = the first FROM, 2 = the second, and so on.
stage_instructions() {
  awk -v want="$1" '
    /^[[:space:]]*#/ { next }
    { line = line $0 }
    /\\[[:space:]]*$/ { sub(/\\[[:space:]]*$/, " ", line); next }
    { if (line ~ /^[[:space:]]*FROM[[:space:]]/) stage++
      if (stage == want && line !~ /^[[:space:]]*$/) print line
      line = "" }
  ' "$dockerfile"
}

# The package names after `apt-get install` in a stage's RUN instructions.
apt_packages() {
  stage_instructions "$1" | grep -E '^[[:space:]]*RUN ' \
    | grep -oE 'apt-get install[^&;|]*' \
    | sed -E 's/^apt-get install//' | tr ' ' '\n' | grep -vE '^(-.*|)$' | sort -u
}

stages=$(grep -cE '^[[:space:]]*FROM[[:space:]]' "$dockerfile")
[[ $stages -eq 2 ]] || fail "$dockerfile: expected 2 stages (build, runtime), found $stages"
build_packages=$(apt_packages 1)
runtime_packages=$(apt_packages 2)
[[ -n "$runtime_packages" ]] || fail "no apt-get install in the runtime stage"
echo "runtime stage installs: $(echo $runtime_packages)"

# --- 2. base images and the build stage's packages ---
for n in 1 2; do
  stage_instructions "$n" | head -n 1 | grep -qE '^FROM debian:bookworm-slim( |$)' \
    || fail "stage $n is not FROM debian:bookworm-slim: $(stage_instructions "$n" | head -n 1)"
done
deps_packages=$(sed -n '/^packages=(/,/^)/p' "$install_deps" | sed -e 's/#.*//' -e 's/packages=(//' -e 's/)//' \
  | tr ' ' '\n' | grep -v '^$' | sort -u)
for p in $build_packages; do
  grep -qxF "$p" <<<"$deps_packages" || fail "build stage installs $p, which deploy/local/install-deps does not"
done

# --- 3. runtime stage hygiene ---
for p in $runtime_packages; do
  [[ $p != *-dev && $p != build-essential && $p != cmake && $p != g++* && $p != gcc* ]] \
    || fail "runtime stage installs build tool or headers: $p"
done
runtime=$(stage_instructions 2)
grep -E '^[[:space:]]*COPY ' <<<"$runtime" | grep -vqE '^[[:space:]]*COPY --from=build /out/' \
  && fail "runtime stage copies something other than the build stage's /out: $(grep -E '^[[:space:]]*COPY ' <<<"$runtime")"
user=$(grep -E '^[[:space:]]*USER ' <<<"$runtime" | tail -n 1 | awk '{print $2}')
[[ $user =~ ^[1-9][0-9]*(:[1-9][0-9]*)?$ ]] || fail "runtime USER must be a numeric non-root uid[:gid], got '${user}'"
grep -qE '^[[:space:]]*HEALTHCHECK .*CMD' <<<"$runtime" || fail "runtime stage has no HEALTHCHECK"

# --- 1. libraries -> packages -> install closure ---
# One dpkg-query for every installed package: its Depends/Pre-Depends and Provides.
declare -A depends=() provider_of=()
while IFS=$'\t' read -r pkg status deps provides; do
  [[ $status == "install ok installed" ]] || continue
  depends[$pkg]=$deps
  for v in ${provides//,/ }; do
    [[ $v == \(* || $v == *\) || $v == = ]] && continue
    provider_of[$v]=${provider_of[$v]:-$pkg}
  done
done < <(dpkg-query -W -f='${Package}\t${Status}\t${Depends}, ${Pre-Depends}\t${Provides}\n')
first_alternatives() {
  tr ',' '\n' <<<"$1" | sed -E 's/\|.*//; s/\(.*\)//; s/:any//; s/[[:space:]]//g' | grep -v '^$' || true
}
declare -A closure=()
queue=($runtime_packages)
while ((${#queue[@]})); do
  p=${queue[0]}
  queue=("${queue[@]:1}")
  [[ -n ${closure[$p]:-} ]] && continue
  if [[ -z ${depends[$p]+set} ]]; then
    # A virtual package: the installed package that provides it.
    if [[ -n ${provider_of[$p]:-} ]]; then
      closure[$p]="virtual"
      queue+=("${provider_of[$p]}")
    else
      fail "package $p (in the runtime closure) is not installed here, so it cannot be checked"
      closure[$p]=unknown
    fi
    continue
  fi
  closure[$p]=1
  queue+=($(first_alternatives "${depends[$p]}"))
done
echo "runtime closure: ${#closure[@]} packages"

# Library path -> owning package, for every library of every binary, in one dpkg -S.
# dpkg knows a file by the path its package shipped (/lib or /usr/lib on merged-/usr
# systems), so each library is asked for under both spellings and its real path.
declare -A lib_of_path=() pkg_of_path=()
for binary in "$@"; do
  [[ -x $binary ]] || { fail "no binary $binary"; continue; }
  lddout=$(ldd "$binary")
  if grep -q 'not found' <<<"$lddout"; then
    fail "$binary has unresolved libraries: $(grep 'not found' <<<"$lddout")"
  fi
  while read -r lib path; do lib_of_path[$path]=$lib; done \
    < <(awk '/=>/ && $3 ~ /^\// { print $1, $3; next } $1 ~ /^\// { print $1, $1 }' <<<"$lddout")
done
candidates=()
for path in "${!lib_of_path[@]}"; do
  candidates+=("$path" "$(readlink -f "$path")" "${path#/usr}" "/usr$path")
done
while IFS= read -r line; do
  pkgs=${line%%: /*}
  file=${line#*: }
  pkg_of_path[$file]=${pkgs%%[,:]*}
done < <(dpkg -S "${candidates[@]}" 2>/dev/null | grep -v '^diversion' || true)
for path in "${!lib_of_path[@]}"; do
  lib=${lib_of_path[$path]}
  pkg=""
  for c in "$path" "$(readlink -f "$path")" "${path#/usr}" "/usr$path"; do
    [[ -n ${pkg_of_path[$c]:-} ]] && { pkg=${pkg_of_path[$c]}; break; }
  done
  if [[ -z $pkg ]]; then
    fail "$lib ($path) belongs to no Debian package"
  elif [[ -n ${closure[$pkg]:-} ]]; then
    printf '  %-52s %s\n' "$lib" "$pkg"
  else
    fail "$lib ($path) comes from $pkg, which the runtime stage of $(basename "$dockerfile") does not install"
  fi
done

if ((failures)); then
  echo "$failures problem(s) in $dockerfile"
  exit 1
fi
echo "ok: $dockerfile"
