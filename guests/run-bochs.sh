#!/bin/sh
# Run test guests on Bochs 2.7 and print each one's serial output (the reference for
# guests/expected/, next to QEMU TCG). Never needed by tests or CI.
#
#   guests/run-bochs.sh [-o OUTDIR] NAME...      (default: every guest in guests.json)
#
# Bochs has no Multiboot loader, so each guest boots from a GRUB 2 El Torito CD made with
# grub-mkrescue (`multiboot /boot/kernel`; GRUB's loader implements Multiboot v1: EAX =
# 0x2BADB002, EBX = info, flat 32-bit segments, paging and interrupts off). Bochs has no
# isa-debug-exit either: the guest's `outb(0xf4, value)` lands on Bochs's unmapped-port device,
# whose debug log line ("unmapped: 8-bit write to 00f4 = 01") gives the exit value; the
# guest then halts with IF=0, Bochs logs "HLT instruction with IF=0" and this script stops it.
# The status printed is QEMU's convention, (value << 1) | 1.
#
# Needs: apt-get install bochs bochsbios vgabios grub-pc-bin xorriso mtools
# Bochs config: 128 MiB (like QEMU's default), BIOS-bochs-latest, CPU model corei7_sandy_bridge_2600k
# (override with BOCHS_CPU=...), ips=50M with clock sync=none (the virtual clock runs
# from the instruction count, so the run is deterministic), COM1 to a file, no display
# (rfb with timeout=0), the built-in debugger told to continue.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=""
if [ "${1:-}" = "-o" ]; then out=$2; shift 2; fi
[ $# -gt 0 ] || set -- $(node -e 'for (const g of require(process.argv[1]).guests) console.log(g.name)' "$here/guests.json")
cpu=${BOCHS_CPU:-corei7_sandy_bridge_2600k}
limit=${BOCHS_TIMEOUT:-300}
work=$(mktemp -d /tmp/x86kit-bochs.XXXXXX)
trap '[ -n "${BOCHS_KEEP:-}" ] || rm -rf "$work"' EXIT
for name in "$@"; do
  img="$here/$(node -e 'const g = require(process.argv[1]).guests.find((x) => x.name === process.argv[2]); console.log(g?.image ?? "bin/" + process.argv[2] + ".elf")' "$here/guests.json" "$name")"
  [ -f "$img" ] || { echo "run-bochs: no $img" >&2; exit 2; }
  d="$work/$name"
  mkdir -p "$d/iso/boot/grub"
  cp "$img" "$d/iso/boot/kernel"
  args=$(node -e 'const g = require(process.argv[1]).guests.find((x) => x.name === process.argv[2]); console.log(g?.args ?? "")' "$here/guests.json" "$name")
  printf 'set timeout=0\nset default=0\nmenuentry guest {\n  multiboot /boot/kernel %s\n  boot\n}\n' "$args" > "$d/iso/boot/grub/grub.cfg"
  grub-mkrescue -o "$d/boot.iso" "$d/iso" >/dev/null 2>&1
  cat > "$d/bochsrc" <<RC
megs: 128
cpu: model=$cpu, count=1, ips=50000000
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest
display_library: rfb, options="timeout=0"
ata0-master: type=cdrom, path=$d/boot.iso, status=inserted
boot: cdrom
com1: enabled=1, mode=file, dev=$d/serial.txt
log: $d/bochs.log
debug: action=ignore, unmapped=report
info: action=report
error: action=report
panic: action=fatal
clock: sync=none, time0=946684800
RC
  echo c > "$d/rc"
  bochs -q -f "$d/bochsrc" -rc "$d/rc" < /dev/null > "$d/stdout.txt" 2>&1 &
  pid=$!
  t=0
  while kill -0 "$pid" 2>/dev/null && ! grep -q "HLT instruction with IF=0" "$d/bochs.log" 2>/dev/null; do
    sleep 1; t=$((t + 1))
    [ "$t" -lt "$limit" ] || break
  done
  # SIGINT drops into the built-in debugger, which reads EOF from stdin and quits cleanly
  # (flushing the serial file); SIGTERM only if that did not happen.
  kill -INT "$pid" 2>/dev/null || true
  for _ in 1 2 3 4 5; do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  value=$(sed -n 's/.*unmapped: 8-bit write to 00f4 = \([0-9a-f]*\).*/\1/p' "$d/bochs.log" | head -1)
  if [ -n "$value" ]; then status=$(( (0x$value << 1) | 1 )); else status="none (no debug-exit write; ${t}s)"; fi
  if [ -n "$out" ]; then
    mkdir -p "$out"
    cp "$d/serial.txt" "$out/$name.txt" 2>/dev/null || : > "$out/$name.txt"
    echo "$status" > "$out/$name.status"
    grep -E "\]\s*(>>PANIC|WARNING|e\[)" "$d/bochs.log" > "$out/$name.bochs-log" 2>/dev/null || true
  else
    cat "$d/serial.txt" 2>/dev/null || true
  fi
  echo "run-bochs: $name: status $status (${t}s)" >&2
done
