/*
 * interrupts: instruction-boundary rules of interrupt and trap delivery (Intel SDM Vol. 3A 6.8.3
 * "Masking Exceptions and Interrupts When Switching Stacks", 6.9 priorities, 18.3.1.4 "Single-Step
 * Exception Condition"; Vol. 2 STI, MOV, POPF, REP): the STI interrupt shadow (a pending IRQ is
 * taken after the instruction following STI, also when that instruction is HLT), single-step traps
 * after POPF sets TF (none after the POPF itself) and their suppression after MOV SS, a REP MOVSB
 * that page-faults half way (ECX/ESI/EDI hold the progress, EIP the REP instruction, and it
 * resumes to completion), REP with ECX = 0 touching nothing, and a not-present IDT gate hit by an
 * external interrupt (#NP with EXT = 1) and by INT n (EXT = 0).
 * Expected output: guests/expected/interrupts.txt (see guests.json for the references it was checked on).
 */
#include "rt.h"

#define IRQ0_VEC 0x20
#define TF 0x100u

static volatile u32 irq_count, irq_eip;
static void on_irq0(struct frame *f) { irq_count++; irq_eip = f->eip; pic_eoi(0); }
/* Wait (IF = 0) until the PIT's IRQ 0 is pending in the master 8259's IRR. */
static void wait_irq0_pending(void) {
    for (;;) {
        outb(0x20, 0x0a); /* OCW3: read IRR */
        if (inb(0x20) & 1) return;
    }
}

static volatile u32 db_n, db_eip[8], db_stop;
static void on_db(struct frame *f) {
    if (db_n < 8) db_eip[db_n++] = f->eip;
    if (f->eip == db_stop || db_n >= 8) f->eflags &= ~TF;
}
u32 l_after_sti, l_after_hlt, l_db2, l_db3, l_db4, l_rep;

/* REP MOVSB across a not-present page */
static u8 src[0x100];
static u8 phys_a[4096] __attribute__((aligned(4096))), phys_b[4096] __attribute__((aligned(4096)));
static u32 rep_pt[1024] __attribute__((aligned(4096)));
#define REP_VA 0x20000000u
static volatile u32 pf_count, pf_ecx, pf_esi, pf_edi, pf_eip, pf_err, pf_cr2;
static void on_pf(struct frame *f) {
    pf_count++;
    pf_ecx = f->ecx; pf_esi = f->esi; pf_edi = f->edi; pf_eip = f->eip; pf_err = f->err; pf_cr2 = read_cr2();
    if (pf_cr2 == REP_VA + 0x1000 && pf_count == 1) {
        rep_pt[1] = (u32)phys_b | PTE_P | PTE_W;
        invlpg(REP_VA + 0x1000);
        return;                          /* re-execute the REP MOVSB: it resumes where it stopped */
    }
    printf("FAIL: unexpected #PF(0x%x) at %08x cr2=%08x\n", f->err, f->eip, pf_cr2);
    exit(3);
}

int main(void) {
    puts("interrupts: STI and MOV SS shadows, single-step after POPF, REP faults, EXT in error codes\n");
    paging_identity(PTE_P | PTE_W);
    rep_pt[0] = (u32)phys_a | PTE_P | PTE_W;
    page_dir[REP_VA >> 22] = (u32)rep_pt | PTE_P | PTE_W;
    paging_enable();
    pic_remap(0x20, 0x28);
    set_handler(IRQ0_VEC, on_irq0);
    pic_mask(0xfffe);                    /* IRQ 0 only */
    pit_start(1000);

    /* STI shadow */
    wait_irq0_pending();
    __asm__ volatile("movl $2f, l_after_sti\n\tsti\n1:\tmov $1, %%eax\n2:\tcli" ::: "eax", "memory");
    check_eq(irq_count, 1, "a pending IRQ is taken once IF is set");
    check_eq(irq_eip, l_after_sti, "STI shadow: the IRQ is taken after the instruction following STI");
    wait_irq0_pending();
    __asm__ volatile("movl $1f, l_after_hlt\n\tsti\n\thlt\n1:\tcli" ::: "memory");
    check(irq_count == 2 && irq_eip == l_after_hlt, "STI; HLT with an IRQ pending: HLT runs, the IRQ wakes it (EIP after HLT)");

    /* external interrupt on a not-present gate: #NP(vector * 8 + 2 + EXT) */
    {
        struct { u16 limit; u32 base; } __attribute__((packed)) idtr;
        __asm__ volatile("sidt %0" : "=m"(idtr));
        u8 *gate = (u8 *)(idtr.base + IRQ0_VEC * 8);
        gate[5] &= 0x7f;
        wait_irq0_pending();
        EXPECT_FAULT("sti\n3:\tnop\n\tnop");
        cli();
        pic_eoi(0);                      /* the 8259 delivered it: its ISR bit is set */
        check_eq(fault_vector == 11 ? fault_err : 0xdead, (IRQ0_VEC << 3) | 3, "IRQ on a not-present IDT gate: #NP with error vector*8+3 (IDT, EXT)");
        EXPECT_FAULT("3:\tint $0x20");
        check_eq(fault_vector == 11 ? fault_err : 0xdead, (IRQ0_VEC << 3) | 2, "INT n on a not-present IDT gate: #NP with error vector*8+2 (EXT = 0)");
        gate[5] |= 0x80;
    }
    pic_mask(0xffff);

    /* single-step: POPF sets TF (first trap after the next instruction); MOV SS suppresses one trap */
    set_handler(1, on_db);
    __asm__ volatile("movl $2f, l_db2\n\tmovl $3f, l_db3\n\tmovl $4f, l_db4\n\tmovl $4f, db_stop\n\t"
                     "pushf\n\torl $0x100, (%%esp)\n\tpopf\n"
                     "1:\tnop\n"
                     "2:\tmov %%ss, %%ax\n"
                     "3:\tmov %%ax, %%ss\n"
                     "\tnop\n"
                     "4:\tnop" ::: "eax", "memory");
    check_eq(db_n, 3, "three single-step traps");
    check_eq(db_eip[0], l_db2, "no trap after the POPF that set TF; the first after the next instruction");
    check_eq(db_eip[1], l_db3, "a trap after MOV from SS");
    check_eq(db_eip[2], l_db4, "MOV to SS suppresses the trap after itself; the next one follows the next instruction");
    set_handler(1, 0);

    /* REP MOVSB faulting half way */
    for (int i = 0; i < 0x100; i++) src[i] = (u8)(i * 7 + 1);
    set_handler(14, on_pf);
    {
        u32 s = (u32)src, d = REP_VA + 0xf80, n = 0x100;
        __asm__ volatile("movl $1f, l_rep\n\tcld\n1:\trep movsb" : "+S"(s), "+D"(d), "+c"(n) :: "memory");
        check(pf_count == 1 && pf_err == 2 && pf_cr2 == REP_VA + 0x1000, "REP MOVSB into a not-present page: #PF(2) at the page");
        check_eq(pf_eip, l_rep, "the #PF frame points at the REP instruction");
        check_eq(pf_ecx, 0x80, "ECX holds the remaining count at the fault");
        check(pf_edi == REP_VA + 0x1000 && pf_esi == (u32)src + 0x80, "ESI/EDI hold the progress at the fault");
        check(n == 0 && d == REP_VA + 0x1080 && s == (u32)src + 0x100, "after the handler maps the page, REP resumes and completes");
        int ok = 1;
        for (int i = 0; i < 0x80; i++) ok &= phys_a[0xf80 + i] == src[i] && phys_b[i] == src[0x80 + i];
        check(ok, "every byte copied exactly once to the right place");
    }
    {
        u32 d = 0x30000000u, n = 0;
        __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(0) : "memory");
        check(pf_count == 1 && d == 0x30000000u, "REP STOSB with ECX = 0 touches no memory (unmapped EDI, no #PF)");
    }
    set_handler(14, 0);
    report();
}
