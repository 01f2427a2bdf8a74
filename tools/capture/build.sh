#!/bin/sh
# Build the native capture tool (needs gcc; `gcc -m32` needs gcc-multilib:
#   apt-get install -y gcc-multilib).
#   capture64: 64-bit mode;  capture32: 32-bit compatibility mode and 16-bit protected mode.
# Usage: tools/capture/build.sh            -> tools/capture/build/capture{64,32}
#        tools/capture/build.sh --corpus   -> also regenerates tools/capture/corpus/ (see corpus/README.md)
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
OUT="$HERE/build"
mkdir -p "$OUT"
CFLAGS="-O2 -Wall -Wextra -static -fno-strict-aliasing"
gcc $CFLAGS -o "$OUT/capture64" "$HERE/native/capture.c"
gcc -m32 $CFLAGS -o "$OUT/capture32" "$HERE/native/capture.c"
echo "built $OUT/capture64 $OUT/capture32"
if [ "${1:-}" = "--corpus" ]; then
  exec "$HERE/scripts/gen-corpus.sh"
fi
