#!/bin/sh
# check_exports.sh LIB HEADER: checks that the shared library LIB exports
# exactly the functions that HEADER (include/wea.h) declares with WEA_API:
# no internal symbol (the wea__ helpers, anything else) and no public
# function missing (one declared without WEA_API is hidden by
# -fvisibility=hidden). The symbols that the linker itself may define in
# the dynamic table (_init, _fini, _edata, _end, __bss_start, depending on
# the binutils version) are not the library's and are ignored.
# Exit 0 when they match; 1, listing the differences, when they do not.
set -eu

lib=$1
header=$2
tmp=${TMPDIR:-/tmp}/wea-exports.$$
trap 'rm -f "$tmp".*' EXIT INT TERM

# Defined dynamic symbols, one a line, without a version suffix.
nm -D --defined-only -P "$lib" | awk '{ sub(/@.*/, "", $1); print $1 }' |
  grep -v -x -e _init -e _fini -e _edata -e _end -e __bss_start |
  sort -u > "$tmp.exported"

# The WEA_API declarations: the identifier before the first '(' of every
# line that starts with WEA_API.
sed -n 's/^WEA_API[^(]*[ *]\([A-Za-z_][A-Za-z0-9_]*\)(.*/\1/p' "$header" |
  sort -u > "$tmp.public"

if [ ! -s "$tmp.public" ]; then
  echo "check_exports: no WEA_API declaration found in $header" >&2
  exit 1
fi

extra=$(comm -23 "$tmp.exported" "$tmp.public")
missing=$(comm -13 "$tmp.exported" "$tmp.public")
status=0
if [ -n "$extra" ]; then
  echo "check_exports: $lib exports symbols that are not public API" \
       "(not declared WEA_API in $header):" >&2
  echo "$extra" | sed 's/^/  /' >&2
  status=1
fi
if [ -n "$missing" ]; then
  echo "check_exports: $lib does not export these public functions of" \
       "$header:" >&2
  echo "$missing" | sed 's/^/  /' >&2
  status=1
fi
if [ "$status" -eq 0 ]; then
  echo "check_exports: $lib exports exactly the" \
       "$(wc -l < "$tmp.public" | tr -d ' ') public functions of $header"
fi
exit "$status"
