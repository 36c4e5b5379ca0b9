#!/usr/bin/env bash
# The differential test of letgo's semantic model on moby (issue 11): both
# sides type-check the same packages of a moby checkout (a module that
# vendors its dependencies) - go/types through `tools/gotypesdump -module`,
# ours through the `typesdump` example - and `typescompare` reports the
# agreement and the classes of disagreement. Two sets, compared apart:
# `main` is moby's own packages (`gotypesdump -module ROOT -list`: every
# folder but vendor/, testdata and nested modules), `vendor` every folder
# of vendor/. Packages go/types cannot check (it prints why on stderr) are
# left out of our side too, so both dump the same set. Prints both sides'
# times. Does not fetch: give it a checkout.
#
#   bench/types/moby.sh MOBY [main|vendor|both]   (default: both)
#
# Outputs (dumps, reports, stderr) go to $OUT (default /tmp/letgo-moby).
# A checkout whose root has vendor.mod but no go.mod (moby before v29) gets
# a go.mod copied from vendor.mod for the run, removed afterwards.
set -euo pipefail
MOBY="$(cd "${1:?usage: bench/types/moby.sh MOBY [main|vendor|both]}" && pwd)"
SETS="${2:-both}"
[ "$SETS" = both ] && SETS="main vendor"
cd "$(dirname "$0")/../.."
GO="$PWD/.tools/go/bin/go"
[ -x "$GO" ] || { echo "no Go toolchain: run scripts/test first" >&2; exit 2; }
GOROOT="$("$GO" env GOROOT)"
OUT="${OUT:-/tmp/letgo-moby}"
mkdir -p "$OUT"
[ -d "$MOBY/vendor" ] || { echo "$MOBY/vendor: no vendor folder" >&2; exit 2; }
if [ ! -f "$MOBY/go.mod" ]; then
    [ -f "$MOBY/vendor.mod" ] || { echo "$MOBY: neither go.mod nor vendor.mod" >&2; exit 2; }
    cp "$MOBY/vendor.mod" "$MOBY/go.mod"
    trap 'rm -f "$MOBY/go.mod"' EXIT
fi

(cd tools/gotypesdump && "$GO" build -o "$OUT/gotypesdump" .)
cargo build --release -q -p letgo_types --example typesdump --example typescompare
OURS="$PWD/target/release/examples/typesdump"
COMPARE="$PWD/target/release/examples/typescompare"
# timed OUTFILE CMD...: runs CMD, writes its wall/user time and peak memory
timed() {
    local out="$1"
    shift
    /usr/bin/time -f '%e s wall, %U s user, %M KiB peak' -o "$out" "$@"
}

"$OUT/gotypesdump" -module "$MOBY" -list >"$OUT/main.dirs"
(cd "$MOBY" && find vendor -type d \( -name testdata -o -name '.*' -o -name '_*' \) -prune \
    -o -type d -print | LC_ALL=C sort) >"$OUT/vendor.dirs"

for set in $SETS; do
    echo "== moby ($set): $(wc -l <"$OUT/$set.dirs") folders"
    # shellcheck disable=SC2046 # one argument per folder
    timed "$OUT/$set.ref.time" "$OUT/gotypesdump" -goroot "$GOROOT" -module "$MOBY" \
        -o "$OUT/$set.ref" $(cat "$OUT/$set.dirs") 2>"$OUT/$set.ref.err"
    grep -v '^gotypesdump: [0-9]* packages' "$OUT/$set.ref.err" || true
    # The folders go/types failed on ("gotypesdump: DIR: error") are not
    # dumped by ours either.
    sed -n 's/^gotypesdump: \([^ ]*\): .*/\1/p' "$OUT/$set.ref.err" | grep -v '^[0-9]' \
        | LC_ALL=C sort >"$OUT/$set.failed" || true
    LC_ALL=C comm -23 "$OUT/$set.dirs" "$OUT/$set.failed" >"$OUT/$set.ours.dirs"
    # shellcheck disable=SC2046
    timed "$OUT/$set.ours.time" "$OURS" "$GOROOT" --module "$MOBY" \
        $(cat "$OUT/$set.ours.dirs") >"$OUT/$set.ours"
    "$COMPARE" "$OUT/$set.ref" "$OUT/$set.ours" >"$OUT/$set.report"
    tail -1 "$OUT/$set.ref.err"
    echo "packages: $(grep -c '^package ' "$OUT/$set.ref") dumped by go/types, $(grep -c '^package ' "$OUT/$set.ours") by ours"
    echo "go/types (gotypesdump): $(tail -1 "$OUT/$set.ref.time")"
    echo "ours (typesdump):       $(tail -1 "$OUT/$set.ours.time")"
    sed -n '1,/^identifier disagreements/p' "$OUT/$set.report" | sed '$d'
    echo "classes of disagreement: $OUT/$set.report"
done
