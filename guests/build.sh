#!/bin/sh
# Rebuild the x86kit test guests into guests/bin/ (needs gcc with -m32 support: gcc-multilib).
# The images are committed; tests and CI never run this script.
set -eu
cd "$(dirname "$0")"
CC=${CC:-gcc}
CFLAGS="-m32 -march=i686 -ffreestanding -fno-pic -fno-pie -fno-stack-protector -fno-asynchronous-unwind-tables -fno-builtin -mno-sse -mno-mmx -mgeneral-regs-only -O2 -Wall -Wextra -nostdlib -Irt"
LDFLAGS="-m32 -nostdlib -static -Wl,--no-warn-rwx-segments -Wl,-z,noexecstack -Wl,--build-id=none -Wl,-T,rt/link.ld -no-pie"
mkdir -p bin obj
$CC $CFLAGS -c rt/entry.S -o obj/entry.o
$CC $CFLAGS -c rt/rt.c -o obj/rt.o
for src in src/*.c; do
  name=$(basename "$src" .c)
  $CC $CFLAGS -c "$src" -o "obj/$name.o"
  $CC $LDFLAGS obj/entry.o obj/rt.o "obj/$name.o" -lgcc -o "bin/$name.elf"
  strip --strip-debug "bin/$name.elf"
done
# hello again as a flat binary with the Multiboot "a.out kludge" header (flags bit 16)
$CC $CFLAGS -DAOUT_KLUDGE -c rt/entry.S -o obj/entry-aout.o
$CC $CFLAGS -c src/hello.c -o obj/hello.o
$CC $LDFLAGS obj/entry-aout.o obj/rt.o obj/hello.o -lgcc -o obj/hello-aout.elf
objcopy -O binary obj/hello-aout.elf bin/hello-aout.bin
end=$(nm obj/hello-aout.elf | awk '$3 == "__load_end" { print $1 }')
truncate -s $((0x$end - 0x100000)) bin/hello-aout.bin   # the file holds [load_addr, load_end_addr)
rm -rf obj
ls -l bin
