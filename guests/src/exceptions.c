/*
 * exceptions: raise each exception the CPU can deliver in ring 0 and check the vector, the
 * error code and the saved EIP (faults point at the faulting instruction, traps after it);
 * plus interrupt vs trap gates and a #PF -> #NP double fault (Intel SDM Vol. 3A ch. 7,
 * "Exception and Interrupt Reference", table 7-5 for #DF).
 * Expected output checked on QEMU 7.2 TCG: guests/expected/exceptions.txt, QEMU status 1.
 */
#include "rt.h"

static void expect(const char *name, u32 vector, u32 err, int trap) {
    char buf[96];
    u32 want_eip = trap ? fault_end : fault_start;
    int ok = fault_vector == vector && fault_err == err && fault_eip == want_eip;
    /* build "name: vector V error E" in buf */
    u32 n = 0;
    for (const char *s = name; *s && n < 60; s++) buf[n++] = *s;
    buf[n] = 0;
    if (ok) check(1, buf);
    else {
        check(0, buf);
        printf("  got vector %u error 0x%x eip %08x, want vector %u error 0x%x eip %08x\n", fault_vector, fault_err, fault_eip, vector, err, want_eip);
    }
}

static volatile u32 gate_eflags;
static void gate_probe(struct frame *f) { (void)f; gate_eflags = read_eflags(); }

struct bounds { i32 lo, hi; };
struct bounds bnd __attribute__((used)) = { 0, 10 };
const u64 dzero __attribute__((used)) = 0;

int main(void) {
    puts("exceptions: vectors, error codes and saved EIP\n");
    /* #DE: DIV by zero is a fault */
    EXPECT_FAULT("xor %%ecx, %%ecx\n\tmov $1, %%eax\n\txor %%edx, %%edx\n3:\tdiv %%ecx", "eax", "ecx", "edx");
    expect("#DE divide by zero (fault, vector 0)", 0, 0, 0);
    /* #DE: IDIV overflow (INT_MIN / -1) */
    EXPECT_FAULT("mov $0x80000000, %%eax\n\tcdq\n\tmov $-1, %%ecx\n3:\tidiv %%ecx", "eax", "ecx", "edx");
    expect("#DE idiv overflow", 0, 0, 0);
    /* #DB: single-step trap after the instruction following POPF with TF */
    EXPECT_FAULT("pushf\n\torl $0x100, (%%esp)\n\tpopf\n3:\tnop\n", "cc");
    fault_start = fault_start + 1; /* trap: EIP after the NOP */
    check(fault_vector == 1 && fault_eip == fault_start, "#DB single-step trap (vector 1, EIP after the stepped insn)");
    /* #BP: INT3 is a trap */
    EXPECT_FAULT("3:\tint3");
    expect("#BP int3 (trap, vector 3)", 3, 0, 1);
    /* #OF: INTO with OF=1 is a trap */
    EXPECT_FAULT("mov $0x7f, %%al\n\tadd $1, %%al\n3:\tinto", "eax", "cc");
    expect("#OF into (trap, vector 4)", 4, 0, 1);
    /* #BR: BOUND out of range is a fault */
    __asm__ volatile("" ::"r"(&bnd));
    EXPECT_FAULT("mov $20, %%eax\n3:\tbound %%eax, bnd", "eax");
    expect("#BR bound (fault, vector 5)", 5, 0, 0);
    /* #UD */
    EXPECT_FAULT("3:\tud2");
    expect("#UD ud2 (vector 6)", 6, 0, 0);
    /* #NM: x87 instruction with CR0.TS=1 */
    write_cr0(read_cr0() | 8);
    EXPECT_FAULT("3:\tfnop");
    __asm__ volatile("clts");
    expect("#NM fnop with CR0.TS (vector 7)", 7, 0, 0);
    /* #NP: load DS with a not-present data descriptor -> error code = selector */
    gdt_set(GDT_FREE, 0, 0xfffff, 0x12, 0xc);            /* data, P=0 */
    gdt_set(GDT_FREE + 1, 0, 0xfffff, 0x92, 0xc);        /* data, P=1 */
    gdt_set(GDT_FREE + 2, 0, 0xfffff, 0x9a, 0xc);        /* code */
    gdt_set(GDT_FREE + 3, 0, 0x10, 0x89, 0x0);           /* 32-bit TSS with a limit < 0x67 */
    gdt_reload();
    EXPECT_FAULT("mov $0x40, %%ax\n3:\tmov %%ax, %%ds", "eax");
    expect("#NP mov ds, not-present (vector 11, error 0x40)", 11, 0x40, 0);
    /* #SS: load SS with a not-present descriptor */
    EXPECT_FAULT("mov $0x40, %%ax\n3:\tmov %%ax, %%ss", "eax");
    expect("#SS mov ss, not-present (vector 12, error 0x40)", 12, 0x40, 0);
    /* #GP: selector beyond the GDT limit */
    EXPECT_FAULT("mov $0x1000, %%ax\n3:\tmov %%ax, %%ds", "eax");
    expect("#GP mov ds, selector past GDT limit (error 0x1000)", 13, 0x1000, 0);
    /* #GP: SS with RPL != CPL */
    EXPECT_FAULT("mov $0x4b, %%ax\n3:\tmov %%ax, %%ss", "eax");
    expect("#GP mov ss, RPL != CPL (error 0x48)", 13, 0x48, 0);
    /* #GP: code segment into DS is fine only if readable; a non-readable one faults */
    gdt_set(GDT_FREE + 4, 0, 0xfffff, 0x98, 0xc);        /* execute-only code */
    gdt_reload();
    EXPECT_FAULT("mov $0x60, %%ax\n3:\tmov %%ax, %%ds", "eax");
    expect("#GP mov ds, execute-only code (error 0x60)", 13, 0x60, 0);
    /* #GP(0): far jump to a null selector */
    EXPECT_FAULT("3:\tljmp $0, $0", "memory");
    expect("#GP(0) far jmp to the null selector", 13, 0, 0);
    /* #TS: task switch to a TSS whose limit is below 0x67 */
    EXPECT_FAULT("3:\tljmp $0x58, $0", "memory");
    expect("#TS jmp to TSS with limit < 0x67 (vector 10, error 0x58)", 10, 0x58, 0);
    /* #PF: read from the unmapped page 0 with paging on (error 0: not present, read, supervisor) */
    paging_identity(PTE_P | PTE_W);
    paging_enable();
    EXPECT_FAULT("3:\tmov 0x10, %%eax", "eax");
    expect("#PF read of a not-present page (vector 14, error 0)", 14, 0, 0);
    check_eq(fault_cr2, 0x10, "#PF CR2 holds the faulting linear address");
    /* #DF: a #PF whose IDT gate is not present raises #NP, and #PF + #NP is a double fault */
    {
        struct __attribute__((packed)) { u16 limit; u32 base; } idtr;
        __asm__ volatile("sidt %0" : "=m"(idtr));
        u8 *gate = (u8 *)(idtr.base + 14 * 8);
        gate[5] &= 0x7f;                                   /* clear P of the #PF gate */
        EXPECT_FAULT("3:\tmov 0x10, %%eax", "eax");
        gate[5] |= 0x80;
        expect("#DF from #PF with a not-present IDT gate (vector 8, error 0)", 8, 0, 0);
    }
    /* #MF: unmasked x87 divide by zero, reported at the next waiting x87 instruction */
    write_cr0(read_cr0() | 0x20);                           /* CR0.NE */
    {
        static u16 cw = 0x037b;                            /* ZM (bit 2) unmasked */
        __asm__ volatile("fninit\n\tfldcw %0" ::"m"(cw));
        EXPECT_FAULT("fld1\n\tfdivl dzero\n3:\tfwait", "memory");
        __asm__ volatile("fninit");
        expect("#MF x87 zero divide at FWAIT (vector 16)", 16, 0, 0);
    }
    /* software INT n through an interrupt gate clears IF; through a trap gate it does not */
    set_handler(0x31, gate_probe);
    set_handler(0x32, gate_probe);
    idt_set(0x31, isr_stubs[0x31], KCODE, 0x8e);
    idt_set(0x32, isr_stubs[0x32], KCODE, 0x8f);
    pic_remap(0x20, 0x28);     /* mask every 8259 input: the firmware's PIT tick (IRQ 0 -> vector 8) must not arrive */
    sti();
    __asm__ volatile("int $0x31");
    check((gate_eflags & 0x200) == 0, "interrupt gate clears IF");
    __asm__ volatile("int $0x32");
    check((gate_eflags & 0x200) != 0, "trap gate keeps IF");
    cli();
    report();
}
