/*
 * hello: the smallest multiboot guest. Prints a greeting, checks what a Multiboot v1 loader
 * must provide (EAX magic, memory info, memory map, protected mode without paging) and exits
 * through isa-debug-exit.
 * Expected output checked on QEMU 7.2 TCG (qemu-system-i386 -kernel hello.elf): see
 * guests/expected/hello.txt; QEMU exit status 1 (= debug-exit value 0, all checks passed).
 */
#include "rt.h"

int main(void) {
    puts("Hello from an x86kit multiboot guest!\n");
    check_eq(mb_magic, 0x2badb002, "multiboot magic in EAX");
    check((mb->flags & 1) != 0 && mb->mem_lower >= 256 && mb->mem_upper >= 1024, "mem_lower/mem_upper present and plausible");
    int ram_at_1m = 0;
    if (mb->flags & 0x40) {
        for (u32 p = mb->mmap_addr; p < mb->mmap_addr + mb->mmap_length;) {
            struct mb_mmap *e = (struct mb_mmap *)p;
            if (e->type == 1 && e->addr_hi == 0 && e->addr_lo <= 0x100000 && e->addr_lo + e->len_lo >= 0x200000) ram_at_1m = 1;
            p += e->size + 4;
        }
    }
    check(ram_at_1m, "memory map lists usable RAM at 1 MiB");
    check((mb->flags & 4) != 0 && mb->cmdline != 0, "command line pointer present");
    u32 cr0 = read_cr0();
    check((cr0 & 1) != 0 && (cr0 & 0x80000000u) == 0, "protected mode, paging off");
    check((read_eflags() & 0x200) == 0, "interrupts disabled at entry");
    report();
}
