/*
 * segments: protected-mode segment checks (Intel SDM Vol. 3A 5.3 "Limit Checking", 5.4 "Type
 * Checking", 5.5-5.6 privilege checks for data and stack segments, 5.7-5.8 code transfers;
 * Vol. 2 MOV, LTR, LAR, LSL, VERR/VERW, LOCK): data limits at byte/dword granularity, a stack
 * limit (#SS), writes to read-only data and to readable code, null selectors (loadable into FS,
 * faulting on use; never into SS), RPL > DPL, SS type checks, a far JMP past the CS limit, calls
 * to a not-present segment directly and through a call gate (#NP), LTR of a busy TSS and of a
 * data segment, LOCK on a non-lockable instruction and with a register destination (#UD), the
 * accessed bit set by a segment load, and LAR/LSL/VERR/VERW.
 * The segment under test always sits in FS (or SS for the stack checks) so no C code runs with it.
 * Expected output: guests/expected/segments.txt (see guests.json for the references it was checked on).
 */
#include "rt.h"

#define RO_SEL 0x40     /* slot 8: read-only data, flat */
#define SMALL_SEL 0x48  /* slot 9: RW data, base small_buf, limit 0xfff (byte), accessed bit clear */
#define STACK_SEL 0x50  /* slot 10: RW data, base 0, 4 KiB-granular limit just above the stack */
#define RCODE_SEL 0x58  /* slot 11: execute/read code, flat */
#define SHORT_CS 0x60   /* slot 12: code, base 0, limit 0xfff */
#define NP_SEL 0x68     /* slot 13: code, not present */
#define NPGATE_SEL 0x70 /* slot 14: call gate -> NP_SEL */

static u8 small_buf[0x1000] __attribute__((aligned(16)));
extern char stack_top[];

static u8 gdt_access(u16 sel) {
    struct { u16 limit; u32 base; } __attribute__((packed)) gdtr;
    __asm__ volatile("sgdt %0" : "=m"(gdtr));
    return *(u8 *)(gdtr.base + (sel & ~7u) + 5);
}
static void set_call_gate(int slot, u16 sel, u32 target) {
    struct { u16 limit; u32 base; } __attribute__((packed)) gdtr;
    __asm__ volatile("sgdt %0" : "=m"(gdtr));
    u32 *e = (u32 *)(gdtr.base + (u32)slot * 8);
    e[0] = (target & 0xffff) | ((u32)sel << 16);
    e[1] = (target & 0xffff0000u) | 0x8000u | (0xcu << 8);
}
static void expect(u32 vector, u32 err, const char *name) {
    if (fault_vector == vector && fault_err == err) { check(1, name); return; }
    check(0, name);
    printf("  (vector %u error 0x%x; want %u, 0x%x)\n", fault_vector, fault_err, vector, err);
}
static void expect_none(const char *name) {
    check(fault_vector == 0xffffffff, name);
    if (fault_vector != 0xffffffff) printf("  (vector %u error 0x%x)\n", fault_vector, fault_err);
}
#define NO_FAULT(insns, ...) \
    do { fault_vector = 0xffffffff; fault_err = 0xffffffff; \
         __asm__ volatile("movl $1f, fault_resume\n\t" insns "\n1:\n\tmovl $0, fault_resume" ::: "memory", ##__VA_ARGS__); } while (0)

u32 seg_value;

int main(void) {
    puts("segments: limits, types, null selectors, RPL, SS rules, CS limit, #NP, LTR, LOCK, LAR/LSL/VERR/VERW\n");
    gdt_set(8, 0, 0xfffff, 0x90, 0xc);
    gdt_set(9, (u32)small_buf, 0x0fff, 0x92, 0x4);          /* type 2: accessed bit clear */
    gdt_set(10, 0, ((u32)stack_top + 0xfff) >> 12, 0x92, 0xc);
    gdt_set(11, 0, 0xfffff, 0x9a, 0xc);
    gdt_set(12, 0, 0x0fff, 0x9a, 0x4);
    gdt_set(13, 0, 0xfffff, 0x1a, 0xc);                     /* P = 0 */
    set_call_gate(14, NP_SEL, 0);
    small_buf[0xffc] = 0x11; small_buf[0xffd] = 0x22; small_buf[0xffe] = 0x33; small_buf[0xfff] = 0x44;

    /* data segment limit (byte granular, limit 0xfff) */
    check_eq(gdt_access(SMALL_SEL) & 1, 0, "descriptor starts with the accessed bit clear");
    NO_FAULT("mov $0x48, %%ax\n\tmov %%ax, %%fs\n\tmov %%fs:0xffc, %%eax\n\tmov %%eax, seg_value", "eax");
    expect_none("dword ending exactly at the limit");
    check_eq(seg_value, 0x44332211, "it reads through the segment base");
    check_eq(gdt_access(SMALL_SEL) & 1, 1, "loading FS set the accessed bit in the descriptor");
    EXPECT_FAULT("3:\tmov %%fs:0xffd, %%eax", "eax");
    expect(13, 0, "dword crossing the limit: #GP(0)");
    NO_FAULT("movb %%fs:0xfff, %%al", "eax");
    expect_none("byte at the limit");
    EXPECT_FAULT("3:\tmovb %%fs:0x1000, %%al", "eax");
    expect(13, 0, "byte past the limit: #GP(0)");

    /* types */
    NO_FAULT("mov $0x40, %%ax\n\tmov %%ax, %%fs\n\tmov %%fs:small_buf, %%eax", "eax");
    expect_none("read through a read-only data segment");
    EXPECT_FAULT("3:\tmovl $1, %%fs:small_buf");
    expect(13, 0, "write through a read-only data segment: #GP(0)");
    NO_FAULT("mov $0x58, %%ax\n\tmov %%ax, %%fs\n\tmov %%fs:small_buf, %%eax", "eax");
    expect_none("read through a readable code segment in FS");
    EXPECT_FAULT("3:\tmovl $1, %%fs:small_buf");
    expect(13, 0, "write through a code segment: #GP(0)");

    /* null selectors and RPL */
    NO_FAULT("xor %%eax, %%eax\n\tmov %%ax, %%fs", "eax");
    expect_none("loading a null selector into FS");
    EXPECT_FAULT("3:\tmov %%fs:0, %%eax", "eax");
    expect(13, 0, "access through a null FS: #GP(0)");
    EXPECT_FAULT("mov $0x13, %%ax\n3:\tmov %%ax, %%fs", "eax");
    expect(13, 0x10, "loading a DPL-0 data selector with RPL 3 at CPL 0: #GP(selector)");
    __asm__ volatile("mov %0, %%fs" ::"r"(KDATA));

    /* SS */
    EXPECT_FAULT("xor %%eax, %%eax\n3:\tmov %%ax, %%ss", "eax");
    expect(13, 0, "loading a null selector into SS: #GP(0)");
    EXPECT_FAULT("mov $0x40, %%ax\n3:\tmov %%ax, %%ss", "eax");
    expect(13, RO_SEL, "loading a read-only data segment into SS: #GP(selector)");
    EXPECT_FAULT("mov $0x50, %%ax\n\tmov %%ax, %%ss\n3:\tmov %%ss:0x01000000, %%eax", "eax");
    __asm__ volatile("mov %0, %%ss" ::"r"(KDATA));
    expect(12, 0, "SS access past the stack segment's limit: #SS(0)");

    /* code transfers */
    EXPECT_FAULT("3:\tljmp $0x60, $0x2000");
    expect(13, 0, "far JMP to an offset past the target CS limit: #GP(0)");
    EXPECT_FAULT("3:\tlcall $0x68, $0");
    expect(11, NP_SEL, "far CALL to a not-present code segment: #NP(selector)");
    EXPECT_FAULT("3:\tlcall $0x70, $0");
    expect(11, NP_SEL, "CALL through a gate to a not-present code segment: #NP(code selector)");

    /* LTR */
    EXPECT_FAULT("mov $0x28, %%ax\n3:\tltr %%ax", "eax");
    expect(13, TSS_SEL, "LTR of the busy TSS: #GP(selector)");
    EXPECT_FAULT("mov $0x10, %%ax\n3:\tltr %%ax", "eax");
    expect(13, KDATA, "LTR of a data segment: #GP(selector)");

    /* LOCK */
    EXPECT_FAULT("3:\t.byte 0xf0, 0x90");
    expect(6, 0, "LOCK NOP: #UD");
    EXPECT_FAULT("3:\t.byte 0xf0, 0x01, 0xc3", "ebx");
    expect(6, 0, "LOCK ADD with a register destination: #UD");
    NO_FAULT("lock addl $0, seg_value");
    expect_none("LOCK ADD to memory");

    /* LAR, LSL, VERR, VERW */
    {
        u32 ar = 0, lim = 0, flim = 0;
        u8 zf_lar, zf_lsl, zf_bad, verr_ro, verw_ro, verr_code, verw_code;
        __asm__ volatile("lar %2, %0\n\tsetz %1" : "=r"(ar), "=q"(zf_lar) : "r"((u32)SMALL_SEL));
        __asm__ volatile("lsl %2, %0\n\tsetz %1" : "=r"(lim), "=q"(zf_lsl) : "r"((u32)SMALL_SEL));
        __asm__ volatile("lsl %1, %0" : "=r"(flim) : "r"((u32)KDATA));
        __asm__ volatile("lar %1, %%eax\n\tsetz %0" : "=q"(zf_bad) : "r"((u32)0x400) : "eax");
        __asm__ volatile("verr %w1\n\tsetz %0" : "=q"(verr_ro) : "r"(RO_SEL));
        __asm__ volatile("verw %w1\n\tsetz %0" : "=q"(verw_ro) : "r"(RO_SEL));
        __asm__ volatile("verr %w1\n\tsetz %0" : "=q"(verr_code) : "r"(RCODE_SEL));
        __asm__ volatile("verw %w1\n\tsetz %0" : "=q"(verw_code) : "r"(RCODE_SEL));
        check(zf_lar == 1 && ar == 0x00409300, "LAR: access rights 0x00409300 (P, DPL 0, RW data, accessed, B)");
        check(zf_lsl == 1 && lim == 0xfff, "LSL: byte-granular limit 0xfff");
        check_eq(flim, 0xffffffff, "LSL: a 4 KiB-granular limit is scaled (0xfffff -> 0xffffffff)");
        check_eq(zf_bad, 0, "LAR of a selector past the GDT limit clears ZF");
        check(verr_ro == 1 && verw_ro == 0, "VERR/VERW on read-only data: readable, not writable");
        check(verr_code == 1 && verw_code == 0, "VERR/VERW on execute/read code: readable, not writable");
    }
    report();
}
