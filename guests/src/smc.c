/*
 * smc: self-modifying and cross-modifying code on one processor (Intel SDM Vol. 3A 11.6
 * "Self-Modifying Code": a write to a code location that may already be prefetched or cached
 * takes effect for the next execution of that location; on P6 and later this holds even for
 * the very next instruction, no serializing instruction needed). The acceptance test of a
 * decoded-instruction cache: a store to the next instruction, to code later on the same page
 * that already ran, code copied into a data buffer and run twice, code patched through a second
 * linear alias of the same physical page (paging), a code page remapped to another physical page
 * (INVLPG), an instruction straddling two pages patched in the second page, REP MOVSB / REP
 * STOSB overwriting the instructions that follow them in their own loop, and patches written by
 * CMPXCHG and by an x87 store.
 * Expected output: guests/expected/smc.txt (see guests.json for the references it was checked on).
 */
#include "rt.h"

/* 1: a store to the immediate of the very next instruction */
u32 smc_next(void);
/* 2: a function that already ran, patched afterwards (same page as the caller) */
u32 smc_later(void);
/* 5: REP MOVSB copies new code over the instruction right after it */
u32 smc_rep_movsb(void);
/* 6: REP STOSB turns a JMP later in its own loop into NOPs */
u32 smc_rep_loop(void);
/* 7: an instruction that straddles a page boundary */
u32 smc_straddle(void);
extern u8 smc_later_imm[], smc_straddle_imm[];
__asm__(".text\n"
        "smc_next:\n\t"
        "movl $0x11111111, 1f + 1\n"
        "1:\tmovl $0x22222222, %eax\n\t"
        "ret\n"
        "smc_later:\n\t"
        ".byte 0xb8\n"                                  /* mov $imm32, %eax */
        "smc_later_imm:\n\t"
        ".long 0x00000001\n\t"
        "ret\n"
        "smc_rep_movsb:\n\t"
        "push %esi\n\tpush %edi\n\t"
        "mov $2f, %esi\n\tmov $1f, %edi\n\tmov $5, %ecx\n\tcld\n\t"
        "rep movsb\n"
        "1:\tmov $0x1111, %eax\n\t"                      /* replaced by the copy of 2: */
        "pop %edi\n\tpop %esi\n\t"
        "ret\n"
        "2:\tmov $0x5555, %eax\n\t"
        "smc_rep_loop:\n\t"
        "push %ebx\n\tpush %edi\n\t"
        "xor %ebx, %ebx\n\tmov $3, %edx\n\tcld\n"
        "2:\tinc %ebx\n\t"
        "cmp $2, %ebx\n\tjne 3f\n\t"
        "mov $4f, %edi\n\tmov $0x90, %al\n\tmov $2, %ecx\n\t"
        "rep stosb\n"                                   /* second iteration: NOP out the JMP below */
        "3:\n"
        "4:\tjmp 5f\n\t"                                /* 2 bytes (EB rel8) */
        "add $0x100, %ebx\n"
        "5:\tdec %edx\n\tjnz 2b\n\t"
        "mov %ebx, %eax\n\t"
        "pop %edi\n\tpop %ebx\n\t"
        "ret\n"
        ".pushsection .text.straddle, \"ax\"\n\t"
        ".p2align 12\n\t"
        ".skip 4093, 0x90\n"                            /* page offset 0xffd: B8 ii ii | ii ii C3 */
        "smc_straddle:\n\t"
        ".byte 0xb8\n"
        "smc_straddle_imm:\n\t"
        ".long 0x33333333\n\t"
        "ret\n"
        ".popsection\n");

/* 3: position-independent templates copied into a data buffer */
static const u8 tmpl_a[] = { 0xb8, 0xaa, 0xaa, 0x00, 0x00, 0xc3 }; /* mov $0xaaaa, %eax; ret */
static const u8 tmpl_b[] = { 0xb8, 0xbb, 0xbb, 0x00, 0x00, 0xc3 }; /* mov $0xbbbb, %eax; ret */
static u8 codebuf[64] __attribute__((aligned(16)));

/* 4: one physical page seen at two linear addresses; 5: a second physical page */
static u8 phys1[4096] __attribute__((aligned(4096)));
static u8 phys2[4096] __attribute__((aligned(4096)));
static u32 alias_pt[1024] __attribute__((aligned(4096)));
#define EXEC_VA 0x20000000u  /* -> phys1, executed */
#define WRITE_VA 0x20001000u /* -> phys1, written */

typedef u32 (*fn_t)(void);
static u32 call(u32 addr) { return ((fn_t)addr)(); }

int main(void) {
    puts("smc: self-modifying code (next instruction, same page, copies, aliases, straddling, rep)\n");
    paging_identity(PTE_P | PTE_W);
    alias_pt[0] = (u32)phys1 | PTE_P | PTE_W;
    alias_pt[1] = (u32)phys1 | PTE_P | PTE_W;
    page_dir[EXEC_VA >> 22] = (u32)alias_pt | PTE_P | PTE_W;
    paging_enable();

    check_eq(smc_next(), 0x11111111, "store to the next instruction's immediate takes effect");

    u32 r = 0;
    for (int i = 0; i < 100; i++) r += smc_later();
    check_eq(r, 100, "function ran 100 times before the patch");
    *(volatile u32 *)smc_later_imm = 2;
    check_eq(smc_later(), 2, "patching code that already ran (same page) takes effect");
    *(volatile u8 *)smc_later_imm = 3;
    check_eq(smc_later(), 3, "a byte store into an imm32 of code that ran takes effect");

    memcpy(codebuf, tmpl_a, sizeof(tmpl_a));
    check_eq(call((u32)codebuf), 0xaaaa, "code copied into a data buffer runs");
    memcpy(codebuf, tmpl_b, sizeof(tmpl_b));
    check_eq(call((u32)codebuf), 0xbbbb, "new code copied over it runs");

    memcpy((void *)WRITE_VA, tmpl_a, sizeof(tmpl_a));
    check_eq(call(EXEC_VA), 0xaaaa, "code written through one alias runs through the other");
    for (int i = 0; i < 10; i++) call(EXEC_VA);
    *(volatile u8 *)(WRITE_VA + 1) = 0x77;
    check_eq(call(EXEC_VA), 0xaa77, "a patch through the write alias reaches the executing alias");
    *(volatile u8 *)((u32)phys1 + 2) = 0x66;
    check_eq(call(EXEC_VA), 0x6677, "a patch through the identity mapping (third alias) takes effect");

    memcpy(phys2, tmpl_b, sizeof(tmpl_b));
    alias_pt[0] = (u32)phys2 | PTE_P | PTE_W;
    invlpg(EXEC_VA);
    check_eq(call(EXEC_VA), 0xbbbb, "code page remapped to another physical page (INVLPG) runs the new code");
    alias_pt[0] = (u32)phys1 | PTE_P | PTE_W;
    invlpg(EXEC_VA);
    check_eq(call(EXEC_VA), 0x6677, "mapped back: the first physical page's code runs again");

    check_eq(smc_rep_movsb(), 0x5555, "REP MOVSB over the next instruction: the copied code runs");
    check_eq(smc_rep_loop(), 0x203, "REP STOSB turns a JMP in its own loop into NOPs for later iterations");

    r = 0;
    for (int i = 0; i < 10; i++) r ^= smc_straddle();
    check_eq(r, 0, "page-straddling instruction ran 10 times");
    ((volatile u8 *)smc_straddle_imm)[3] = 0x44;  /* the byte on the second page */
    check_eq(smc_straddle(), 0x44333333, "patching the second page of a page-straddling instruction takes effect");
    ((volatile u8 *)smc_straddle_imm)[0] = 0x55;  /* the first page */
    check_eq(smc_straddle(), 0x44333355, "patching its first page takes effect");

    {
        u32 old = 3, want = 3;
        __asm__ volatile("lock cmpxchgl %2, %1" : "+a"(old), "+m"(*(volatile u32 *)smc_later_imm) : "r"(9u) : "memory", "cc");
        check(old == want && smc_later() == 9, "a LOCK CMPXCHG patch of code takes effect");
    }
    {
        static const u32 ten = 10;
        __asm__ volatile("fninit\n\tfildl %1\n\tfistpl %0" : "=m"(*(volatile u32 *)smc_later_imm) : "m"(ten) : "memory");
        check_eq(smc_later(), 10, "an x87 FISTP store into code takes effect");
    }
    report();
}
