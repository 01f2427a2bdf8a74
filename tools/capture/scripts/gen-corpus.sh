#!/bin/sh
# Regenerate the committed corpus: tools/capture/corpus/<mode>/<category>.jsonl.gz, forms-<mode>.jsonl.gz and
# meta.json. Same seed + same CPU + same kernel -> byte-identical files (gzip -n: no name or timestamp).
#   SEED=1 PER_INT=50 PER_FP=20 PER16_INT=30 PER16_FP=8 tools/capture/scripts/gen-corpus.sh
set -eu
HERE=$(cd "$(dirname "$0")/.." && pwd)
BIN="$HERE/build"
CORPUS="${CORPUS:-$HERE/corpus}"
SEED="${SEED:-1}"
PER_INT="${PER_INT:-50}"
PER_FP="${PER_FP:-20}"
PER16_INT="${PER16_INT:-30}"
PER16_FP="${PER16_FP:-8}"
INTCATS="int muldiv shift bit bcd string branch far stack sys bmi"
FPCATS="x87 mmx sse sse4 avx avx2"
mkdir -p "$CORPUS"
LOG="$CORPUS/.gen.log"
: > "$LOG"
for mode in 64 32 16; do
  if [ "$mode" = 64 ]; then tool="$BIN/capture64"; else tool="$BIN/capture32"; fi
  dir="$CORPUS/m$mode"
  rm -rf "$dir"
  mkdir -p "$dir"
  "$tool" --mode "$mode" --per-form 0 --forms-out "$dir/forms.jsonl" 2>>"$LOG"
  gzip -9n -f "$dir/forms.jsonl"
  for cat in $INTCATS $FPCATS; do
    per="$PER_INT"
    case " $FPCATS " in *" $cat "*) per="$PER_FP";; esac
    if [ "$mode" = 16 ]; then
      per="$PER16_INT"
      case " $FPCATS " in *" $cat "*) per="$PER16_FP";; esac
    fi
    "$tool" --mode "$mode" --seed "$SEED" --per-form "$per" --cat "$cat" --verify 2>>"$LOG" > "$dir/$cat.jsonl"
    if [ -s "$dir/$cat.jsonl" ]; then gzip -9n -f "$dir/$cat.jsonl"; else rm -f "$dir/$cat.jsonl"; fi
  done
done
# determinism across processes: regenerate one slice per mode and compare bytes
det=identical
for mode in 64 32 16; do
  if [ "$mode" = 64 ]; then tool="$BIN/capture64"; else tool="$BIN/capture32"; fi
  for cat in int string x87 sse; do
    per="$PER_INT"; [ "$mode" = 16 ] && per="$PER16_INT"
    case "$cat" in x87|sse) per="$PER_FP"; [ "$mode" = 16 ] && per="$PER16_FP";; esac
    a=$("$tool" --mode "$mode" --seed "$SEED" --per-form "$per" --cat "$cat" --verify 2>/dev/null | gzip -9n | sha256sum | cut -d' ' -f1)
    b=$(sha256sum < "$CORPUS/m$mode/$cat.jsonl.gz" | cut -d' ' -f1)
    [ "$a" = "$b" ] || det=different
  done
done
cpu() { grep -m1 "^$1" /proc/cpuinfo | sed 's/^[^:]*: *//'; }
{
  printf '{\n'
  printf '  "format": "x86kit-silicon-corpus",\n  "version": 1,\n'
  printf '  "seed": %s,\n' "$SEED"
  printf '  "perForm": {"int": %s, "fp": %s, "int16": %s, "fp16": %s},\n' "$PER_INT" "$PER_FP" "$PER16_INT" "$PER16_FP"
  printf '  "cpu": {"vendor": "%s", "family": %s, "model": %s, "stepping": %s, "microcode": "%s", "modelName": "%s"},\n' \
    "$(cpu vendor_id)" "$(cpu 'cpu family')" "$(cpu model)" "$(cpu stepping)" "$(cpu microcode)" "$(cpu 'model name')"
  printf '  "cpuFlags": "%s",\n' "$(cpu flags)"
  printf '  "kernel": "%s",\n' "$(uname -sr)"
  printf '  "captured": "%s",\n' "$(date -u +%Y-%m-%d)"
  printf '  "determinism": {"rerunSlice": "%s", "inProcessDropped": %s},\n' "$det" "$(grep -c '^nondeterministic' "$LOG" || true)"
  printf '  "files": [\n'
  first=1
  for f in $(cd "$CORPUS" && ls m*/*.jsonl.gz | sort); do
    case "$f" in */forms.jsonl.gz) continue;; esac
    n=$(zcat "$CORPUS/$f" | wc -l)
    nf=$(zcat "$CORPUS/$f" | sed 's/^{"id":"\([^"]*\)".*/\1/' | sort -u | wc -l)
    sha=$(sha256sum < "$CORPUS/$f" | cut -d' ' -f1)
    [ $first = 1 ] || printf ',\n'
    first=0
    printf '    {"path": "%s", "tests": %s, "forms": %s, "sha256": "%s"}' "$f" "$n" "$nf" "$sha"
  done
  printf '\n  ]\n}\n'
} > "$CORPUS/meta.json"
grep -v '^nondeterministic' "$LOG" | sed 's/^/  /' >&2 || true
du -sh "$CORPUS" >&2
