#!/bin/sh
# Rebuild the 32-bit and 16-bit benchmark corpora: the .text of x86kit's own guest C sources
# (guests/rt, guests/src) compiled with gcc -m32 / -m16 at ten optimisation and ISA settings
# (legacy, x87, SSE2, AVX2/VEX and AVX-512/EVEX code), concatenated. Needs gcc with -m32
# support (apt-get install gcc-multilib) and objcopy. Output is committed; tests never need gcc.
set -e
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
tmp=$(mktemp -d)
for m in 32 16; do
  i=0
  for fl in "-O0" "-O1" "-O2" "-O3" "-Os" "-O2 -funroll-loops" "-O3 -march=pentium4 -mfpmath=sse" "-O3 -march=haswell" "-O2 -march=i486" "-O3 -march=skylake-avx512"; do
    i=$((i+1))
    for f in "$root"/guests/rt/rt.c "$root"/guests/src/*.c; do
      b=$(basename "$f" .c)
      # shellcheck disable=SC2086
      gcc -m$m $fl -ffreestanding -fno-pic -fno-stack-protector -fno-asynchronous-unwind-tables \
        -I"$root/guests/rt" -I"$root/guests/src" -c "$f" -o "$tmp/$b.$m.$i.o" 2>/dev/null &&
        objcopy -O binary -j .text "$tmp/$b.$m.$i.o" "$tmp/$b.$m.$i.text"
    done
  done
  cat "$tmp"/*."$m".*.text > "$here/corpus$m.bin"
done
rm -rf "$tmp"
ls -l "$here"/corpus*.bin
