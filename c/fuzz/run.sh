#!/bin/sh
# run.sh BUILD_DIR: runs the libFuzzer target on the header parser for
# FUZZ_SECONDS (default 60). The seeds are the conformance vectors
# (CONFORMANCE_DIR, when present) and a few blocks that weatool writes; the
# corpus grows in BUILD_DIR/fuzz/corpus across runs. A finding (a crash, a
# sanitizer report or a disagreement with the oracle) is saved in
# BUILD_DIR/fuzz/artifacts/ and fails the run: turn it into a new invalid
# (or valid) conformance vector.
set -eu
B=${1:-build}
SECONDS_=${FUZZ_SECONDS:-60}
F=$B/fuzz
mkdir -p "$F/corpus" "$F/seeds" "$F/artifacts"
if [ -n "${CONFORMANCE_DIR:-}" ] && [ -d "$CONFORMANCE_DIR/valid" ]; then
    cp "$CONFORMANCE_DIR"/valid/*.wea "$CONFORMANCE_DIR"/invalid/*.wea "$F/seeds/" 2>/dev/null || true
else
    echo "fuzz: no conformance vectors (CONFORMANCE_DIR); seeding with weatool's blocks only" >&2
fi
for t in int8 float64 complex128 bool float16; do
    "$B/weatool" create --out "$F/seeds/tool-$t.wea" --type "$t" --shape 3,2 --fill iota
done
"$B/weatool" create --out "$F/seeds/tool-7d.wea" --type int16 --shape 1,1,1,1,1,1,2 --fill iota
"$B/weatool" create --out "$F/seeds/tool-0d.wea" --type uint64 --shape '' --fill 7
# 64 dimensions, the most (WA-1 1.1): 2,1,1,...,1,3
"$B/weatool" create --out "$F/seeds/tool-64d.wea" --type uint8 \
    --shape "2$(printf ',1%.0s' $(seq 62)),3" --fill iota
before=$(ls "$F/artifacts" | wc -l)
echo "fuzz: $SECONDS_ s of libFuzzer on wea_parse, seeds $(ls "$F/seeds" | wc -l), corpus $(ls "$F/corpus" | wc -l)" >&2
set +e
ASAN_OPTIONS=detect_leaks=1 "$F/fuzz_parse" -max_total_time="$SECONDS_" \
    -max_len=1024 -dict=fuzz/wea.dict -print_final_stats=1 \
    -artifact_prefix="$F/artifacts/" "$F/corpus" "$F/seeds" 2>"$F/last-run.log"
rc=$?
set -e
grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ +DONE)' "$F/last-run.log" >&2 || true
after=$(ls "$F/artifacts" | wc -l)
if [ $rc -ne 0 ] || [ "$after" -gt "$before" ]; then
    tail -n 40 "$F/last-run.log" >&2
    echo "fuzz: FINDINGS in $F/artifacts/ (exit $rc); each one becomes a conformance vector" >&2
    exit 1
fi
echo "fuzz: no findings" >&2
