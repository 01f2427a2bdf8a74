#!/bin/sh
# Run test guests on QEMU TCG (the recording of guests/expected/) and print each one's serial
# output. Never needed by tests or CI.
#
#   guests/run-qemu.sh [-o OUTDIR] NAME...      (default: every guest in guests.json)
#
# qemu-system-i386 -kernel IMAGE (QEMU's own Multiboot v1 loader), default machine (pc),
# default CPU (qemu32), 128 MiB, TCG, COM1 on stdout, isa-debug-exit at 0xf4: the exit status
# is (value << 1) | 1, so 1 means every check passed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=""
if [ "${1:-}" = "-o" ]; then out=$2; shift 2; fi
[ $# -gt 0 ] || set -- $(node -e 'for (const g of require(process.argv[1]).guests) console.log(g.name)' "$here/guests.json")
for name in "$@"; do
  img=$(node -e 'const g = require(process.argv[1]).guests.find((x) => x.name === process.argv[2]); console.log(g?.image ?? "bin/" + process.argv[2] + ".elf")' "$here/guests.json" "$name")
  args=$(node -e 'const g = require(process.argv[1]).guests.find((x) => x.name === process.argv[2]); console.log(g?.args ?? "")' "$here/guests.json" "$name")
  set +e
  serial=$(timeout "${QEMU_TIMEOUT:-120}" qemu-system-i386 -accel tcg ${QEMU_CPU:+-cpu "$QEMU_CPU"} -kernel "$here/$img" -append "$args" \
    -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=4 -display none -no-reboot -monitor none; echo "~$?")
  set -e
  status=${serial##*~}
  serial=${serial%~*}
  if [ -n "$out" ]; then
    mkdir -p "$out"
    printf '%s' "$serial" > "$out/$name.txt"
    echo "$status" > "$out/$name.status"
  else
    printf '%s' "$serial"
  fi
  echo "run-qemu: $name: status $status" >&2
done
