/*
 * realmode: real-address mode details that the round trip in `modes` does not check (Intel SDM
 * Vol. 3A ch. 21 "8086 Emulation" 21.1, 10.9 "Mode Switching"; Vol. 2 INT n, MOV): unreal mode (FS
 * keeps the 4 GiB limit loaded in protected mode after CR0.PE is cleared, so a 32-bit address
 * reaches 2 MiB), the 64 KiB limit of a real-mode data segment (#GP delivered through the IVT), the
 * A20 gate through port 0x92 (FFFF:0510 is linear 0x100500 with A20 on and wraps to 0x000500 with
 * it off), 32-bit operand size in real mode, and INT n through the IVT clearing IF.
 * The 16-bit code is copied to 0x8000 and runs at CS = 0x0800; results go to linear 0x7100.
 * Expected output: guests/expected/realmode.txt (see guests.json for the references it was checked on).
 */
#include "rt.h"

#define R ((volatile u8 *)0x7100)
u32 rm_run(void);
__asm__(".text\n"
        "rm_run:\n\t"
        "pushf\n\tcli\n\tpusha\n\t"
        "mov %esp, rm_saved_esp\n\t"
        "sidt rm_saved_idtr\n\t"
        "mov $rm_blob, %esi\n\tmov $0x8000, %edi\n\tmov $(rm_blob_end - rm_blob), %ecx\n\tcld\n\trep movsb\n\t"
        "sgdt (0x8000 + rm_gdtr - rm_blob)\n\t"
        "ljmp $0x30, $(0x8000 + rm_t16 - rm_blob)\n"
        ".code16\n"
        "rm_blob:\n"
        "rm_t16:\n\t"                                   /* 16-bit protected mode; FS stays the flat 4 GiB KDATA */
        "mov $0x38, %ax\n\tmov %ax, %ds\n\tmov %ax, %es\n\tmov %ax, %ss\n\tmov %ax, %gs\n\t"
        "mov %cr0, %eax\n\tand $0xfffffffe, %eax\n\tmov %eax, %cr0\n\t"
        "ljmp $0x0800, $(rm_real - rm_blob)\n"
        "rm_real:\n\t"
        "xor %ax, %ax\n\tmov %ax, %ds\n\tmov %ax, %es\n\tmov %ax, %ss\n\tmov $0x7000, %sp\n\t"
        "lidt (0x8000 + rm_ridt - rm_blob)\n\t"
        "mov 13*4, %eax\n\tmov %eax, 0x7120\n\tmov 0x41*4, %eax\n\tmov %eax, 0x7124\n\t"
        "movw $(rm_gp - rm_blob), 13*4\n\tmovw $0x0800, 13*4+2\n\t"
        "movw $(rm_int41 - rm_blob), 0x41*4\n\tmovw $0x0800, 0x41*4+2\n\t"
        /* unreal mode */
        "mov $0x200000, %esi\n\taddr32 mov %fs:(%esi), %eax\n\tmov %eax, 0x7100\n\t"
        /* 64 KiB limit: the #GP handler counts and resumes at BX */
        "mov $(1f - rm_blob), %bx\n\tmov 0xffff, %ax\n"
        "1:\t"
        /* A20 */
        "mov $0xffff, %ax\n\tmov %ax, %es\n\tmov %es:0x510, %al\n\tmov %al, 0x710a\n\t"
        "in $0x92, %al\n\tand $0xfd, %al\n\tout %al, $0x92\n\t"
        "mov %es:0x510, %al\n\tmov %al, 0x710b\n\t"
        "in $0x92, %al\n\tor $0x02, %al\n\tout %al, $0x92\n\t"
        "mov %es:0x510, %al\n\tmov %al, 0x710c\n\t"
        "xor %ax, %ax\n\tmov %ax, %es\n\t"
        /* 32-bit operand size */
        "mov $0x7fffffff, %eax\n\tadd $1, %eax\n\tmov %eax, 0x7110\n\t"
        "mov %sp, %di\n\tpush %eax\n\tmov %di, %ax\n\tsub %sp, %ax\n\tmov %ax, 0x7114\n\tpop %eax\n\t"
        /* INT n through the IVT */
        "sti\n\tint $0x41\n\tcli\n\t"
        /* restore the IVT entries and go back */
        "mov 0x7120, %eax\n\tmov %eax, 13*4\n\tmov 0x7124, %eax\n\tmov %eax, 0x41*4\n\t"
        "lgdtl (0x8000 + rm_gdtr - rm_blob)\n\t"
        "mov %cr0, %eax\n\tor $1, %eax\n\tmov %eax, %cr0\n\t"
        "ljmpl $0x08, $rm_back32\n"
        "rm_gp:\n\t"                                    /* real-mode #GP: FLAGS, CS, IP pushed, no error code */
        "push %bp\n\tmov %sp, %bp\n\tincw 0x7108\n\tmov %bx, 2(%bp)\n\tpop %bp\n\tiret\n"
        "rm_int41:\n\t"
        "pushf\n\tpop %ax\n\tmov %ax, 0x7116\n\t"
        "push %bp\n\tmov %sp, %bp\n\tmov 6(%bp), %ax\n\tmov %ax, 0x7118\n\tpop %bp\n\tiret\n"
        ".p2align 2\n"
        "rm_ridt:\n\t.word 0x3ff\n\t.long 0\n"
        "rm_gdtr:\n\t.word 0\n\t.long 0\n"
        "rm_blob_end:\n"
        ".code32\n"
        "rm_back32:\n\t"
        "mov $0x10, %ax\n\tmov %ax, %ds\n\tmov %ax, %es\n\tmov %ax, %ss\n\tmov %ax, %fs\n\tmov %ax, %gs\n\t"
        "mov rm_saved_esp, %esp\n\tlidt rm_saved_idtr\n\t"
        "popa\n\tpopf\n\tmov $1, %eax\n\tret\n"
        ".data\n"
        "rm_saved_esp: .long 0\n"
        "rm_saved_idtr: .word 0\n\t.long 0\n"
        ".text\n");

u32 a20_probe = 0x500;

int main(void) {
    puts("realmode: unreal mode, real-mode segment limit, A20 gate, 32-bit operands, INT through the IVT\n");
    pic_remap(0x20, 0x28);                     /* every 8259 input masked: real mode runs with IF = 1 briefly */
    *(volatile u32 *)0x200000 = 0xfeedf00d;
    *(volatile u8 *)(a20_probe) = 0x55;        /* linear 0x000500 (through a variable: GCC warns on small constant addresses) */
    *(volatile u8 *)(a20_probe + 0x100000) = 0xaa;
    for (int i = 0; i < 0x30; i++) R[i] = 0;
    check_eq(rm_run(), 1, "protected -> real -> protected mode round trip");
    check_eq(*(volatile u32 *)(R + 0), 0xfeedf00d, "unreal mode: FS keeps its 4 GiB limit, addr32 read at 2 MiB");
    check_eq(*(volatile u16 *)(R + 8), 1, "real mode: word at DS:0xFFFF crosses the 64 KiB limit: #GP through the IVT");
    check_eq(R[0x0a], 0xaa, "A20 on: FFFF:0510 is linear 0x100500");
    check_eq(R[0x0b], 0x55, "A20 off (port 0x92 bit 1): FFFF:0510 wraps to linear 0x000500");
    check_eq(R[0x0c], 0xaa, "A20 on again");
    check_eq(*(volatile u32 *)(R + 0x10), 0x80000000, "32-bit ADD with the operand-size prefix in real mode");
    check_eq(*(volatile u16 *)(R + 0x14), 4, "PUSH EAX in real mode pushes 4 bytes");
    check_eq(*(volatile u16 *)(R + 0x16) & 0x200, 0, "INT n through the IVT clears IF");
    check_eq(*(volatile u16 *)(R + 0x18) & 0x200, 0x200, "the FLAGS image INT pushed has IF = 1");
    report();
}
