#!/bin/sh
# ensure_clang.sh: make sure clang, its sanitizer runtimes and libFuzzer are
# usable, installing Debian's packages (clang, libclang-rt-N-dev) when they
# are missing and this is root with apt-get. Prints what it does on stderr.
#
#   sh c/tools/ensure_clang.sh            exit 0 if ready, 1 if not
#   sh c/tools/ensure_clang.sh --quiet    the same, without the final note
#
# CLANG overrides the compiler (default clang).
set -u
CLANG=${CLANG:-clang}
quiet=0
[ "${1:-}" = "--quiet" ] && quiet=1

probe() {
    # Links a libFuzzer target with ASan and UBSan: everything the clang
    # test build and the fuzz target need.
    command -v "$CLANG" >/dev/null 2>&1 || return 1
    dir=$(mktemp -d) || return 1
    printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
        'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
        'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)' \
        '{ (void)d; (void)n; return 0; }' > "$dir/probe.c"
    "$CLANG" -fsanitize=fuzzer,address,undefined "$dir/probe.c" \
        -o "$dir/probe" >/dev/null 2>&1
    rc=$?
    rm -rf "$dir"
    return $rc
}

if probe; then
    exit 0
fi

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    [ $quiet = 1 ] || echo "ensure_clang: $CLANG with libFuzzer is not available and cannot be installed here (needs root and apt-get)" >&2
    exit 1
fi

echo "ensure_clang: installing clang and its runtimes from Debian's packages" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null 2>&1 || true
if ! command -v "$CLANG" >/dev/null 2>&1; then
    apt-get install -y -qq clang >/dev/null 2>&1 ||
        echo "ensure_clang: apt-get install clang failed" >&2
fi
if command -v "$CLANG" >/dev/null 2>&1 && ! probe; then
    major=$("$CLANG" -dumpversion 2>/dev/null | cut -d. -f1)
    apt-get install -y -qq "libclang-rt-$major-dev" >/dev/null 2>&1 ||
        echo "ensure_clang: apt-get install libclang-rt-$major-dev failed" >&2
fi

if probe; then
    echo "ensure_clang: $("$CLANG" --version | head -n 1)" >&2
    exit 0
fi
[ $quiet = 1 ] || echo "ensure_clang: $CLANG with libFuzzer is still not usable" >&2
exit 1
