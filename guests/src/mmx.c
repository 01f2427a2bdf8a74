/*
 * mmx: MMX technology and FXSAVE/FXRSTOR as an OS sees them (Intel SDM Vol. 1 ch. 9, Vol. 3A
 * ch. 12 "Intel MMX Technology System Programming" and ch. 13, Vol. 2 FXSAVE/FXRSTOR):
 * - CPUID.1:EDX advertises MMX (bit 23) and FXSR (bit 24); only the base MMX set is used, so
 *   the guest runs on a CPU without the AMD MMX extensions or SSE;
 * - spot checks of MMX arithmetic (saturation, PMADDWD, shift counts past the element width,
 *   signed packing, signed compare, MOVD zero-extension, MOVQ stores);
 * - aliasing (Vol. 3A 12.2, table 12-2): an MMX write sets bits 79:64 of the x87 register to
 *   all ones, every MMX instruction sets TOP = 0 and all tags valid; FNSAVE stores the tag word
 *   computed from the register contents (12.2.1: exponent 0x7FFF is "special", 10B, so 0xAAAA);
 *   FXSAVE's abridged tag byte is 0xFF; EMMS empties every tag (FNSTENV tag word 0xFFFF);
 * - lazy FPU switching the way an OS does it (Vol. 3A 2.5 CR0.TS, 12.4): with CR0.TS = 1 the
 *   first MMX instruction raises #NM, the handler runs CLTS, FXSAVEs the previous owner's state
 *   and FXRSTORs the new task's, and the instruction is restarted with the new state;
 * - FXSAVE/FXRSTOR faults: a misaligned operand (#GP(0)), a reserved MXCSR bit in the image
 *   FXRSTOR loads (#GP(0)); the XMM area with CR4.OSFXSR = 1 (saved and restored);
 * - CR0.EM = 1: MMX instructions raise #UD (Vol. 3A 12.1, table 12-1);
 * - a pending unmasked x87 exception with CR0.NE = 1: the next MMX instruction raises #MF
 *   before it executes (Vol. 3A 12.5).
 * What FXSAVE/FXRSTOR do with CR4.OSFXSR = 0 is implementation-dependent (Intel: MXCSR and
 * XMM0-7 "may not be saved"; AMD APM: XMM registers are not saved, MXCSR is), so it is not
 * checked: two indented "  INFO:" lines print what the CPU did (not compared by
 * check-references.mjs; x86kit's guests test compares them with Bochs's).
 * Expected output: guests/expected/mmx.txt (see guests.json for the references it was checked on).
 */
#include "rt.h"

#define CR0_MP (1u << 1)
#define CR0_EM (1u << 2)
#define CR0_TS (1u << 3)
#define CR0_NE (1u << 5)
#define CR4_OSFXSR (1u << 9)

static inline void cpuid(u32 leaf, u32 *a, u32 *b, u32 *c, u32 *d) {
    __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}

/* dst = insn(src, dst): mm0 <- a, mm1 <- b, "insn %mm1, %mm0", r <- mm0 */
#define MMX2(insn, a, b, r) \
    __asm__ volatile("movq %1, %%mm0\n\tmovq %2, %%mm1\n\t" insn " %%mm1, %%mm0\n\tmovq %%mm0, %0" \
                     : "=m"(r) : "m"(a), "m"(b) : "memory")
/* r = insn(a) with an immediate operand */
#define MMX1(insn, a, r) \
    __asm__ volatile("movq %1, %%mm0\n\t" insn ", %%mm0\n\tmovq %%mm0, %0" : "=m"(r) : "m"(a) : "memory")

static void check64(u64 got, u64 want, const char *name) {
    if (got == want) check(1, name);
    else {
        check(0, name);
        printf("  got %08x%08x, want %08x%08x\n", (u32)(got >> 32), (u32)got, (u32)(want >> 32), (u32)want);
    }
}
static u64 rd64(const u8 *p) {
    u64 v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}
static u32 rd32(const u8 *p) { return p[0] | (p[1] << 8) | (p[2] << 16) | ((u32)p[3] << 24); }
static u16 rd16(const u8 *p) { return (u16)(p[0] | (p[1] << 8)); }
static void dump_regs(const u8 *p, int stride) {
    for (int i = 0; i < 8; i++, p += stride)
        printf("  R%d = %04x %08x%08x\n", i, rd16(p + 8), (u32)(rd64(p) >> 32), (u32)rd64(p));
}
static u16 fnstsw(void) { u16 s; __asm__ volatile("fnstsw %0" : "=m"(s)); return s; }

/* FXSAVE areas: two "tasks" and scratch images, 16-byte aligned as FXSAVE requires. */
static u8 task_area[2][512] __attribute__((aligned(16)));
static u8 img[512] __attribute__((aligned(16)));
static u8 out[512 + 16] __attribute__((aligned(16)));

/* Lazy FPU switching: `fpu_owner` holds the FPU now, `current` is the running task. */
static volatile u32 fpu_owner, current, nm_count, nm_eip[8];
static void on_nm(struct frame *f) {
    if (nm_count < 8) nm_eip[nm_count] = f->eip;
    nm_count++;
    __asm__ volatile("clts" ::: "memory");
    if (fpu_owner != current) {
        __asm__ volatile("fxsave %0" : "=m"(task_area[fpu_owner]) :: "memory");
        __asm__ volatile("fxrstor %0" :: "m"(task_area[current]) : "memory");
        fpu_owner = current;
    }
}
static void switch_to(u32 task) { current = task; write_cr0(read_cr0() | CR0_TS); }

int main(void) {
    puts("mmx: MMX, x87 aliasing, lazy FPU switching with FXSAVE/FXRSTOR, #NM #UD #GP #MF\n");
    write_cr0((read_cr0() & ~(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE);
    write_cr4(read_cr4() & ~CR4_OSFXSR);
    __asm__ volatile("fninit");

    u32 a, b, c, d;
    cpuid(1, &a, &b, &c, &d);
    check((d >> 23) & 1, "CPUID.1:EDX.MMX[23] = 1");
    check((d >> 24) & 1, "CPUID.1:EDX.FXSR[24] = 1");

    /* ---- arithmetic spot checks ---- */
    u64 r, x, y;
    x = 0xf0801001ff7f10feull; y = 0x2080f00101818003ull;
    MMX2("paddusb", y, x, r);
    check64(r, 0xffffff02ffff90ffull, "PADDUSB saturates each byte at 0xFF");
    x = 0x800080007fff7fffull;
    MMX2("pmaddwd", x, x, r);
    check64(r, 0x800000007ffe0002ull, "PMADDWD: 0x7FFF^2 * 2 = 0x7FFE0002, 0x8000^2 * 2 wraps to 0x80000000");
    x = 0x80007ffffffe1234ull;
    MMX1("psraw $16", x, r);
    check64(r, 0xffff0000ffff0000ull, "PSRAW imm 16 fills each word with its sign");
    y = 0x0000000100000000ull;
    MMX2("psraw", x, y, r);
    check64(r, 0xffff0000ffff0000ull, "PSRAW mm count 2^32 (high dword) fills with the sign");
    MMX1("psrlw $16", x, r);
    check64(r, 0, "PSRLW imm 16 clears every word");
    x = 0x8000007fff7f0080ull; y = 0xfed4012cffff0001ull;
    MMX2("packsswb", x, y, r);
    check64(r, 0x807fff01807f807full, "PACKSSWB saturates signed words to bytes (dest low, source high)");
    x = 0x801005ff01007f80ull; y = 0x811004000101ff7full;
    MMX2("pcmpgtb", x, y, r);
    check64(r, 0x0000ff000000ff00ull, "PCMPGTB compares signed bytes");
    u64 m1 = 0xffffffffffffffffull;
    u32 lo, v32 = 0x89abcdef;
    __asm__ volatile("movq %1, %%mm2\n\tmovd %2, %%mm2\n\tmovq %%mm2, %0" : "=m"(r) : "m"(m1), "r"(v32) : "memory");
    check64(r, 0x0000000089abcdefull, "MOVD r32 -> mm zero-extends to 64 bits");
    __asm__ volatile("movd %1, %%mm2\n\tmovd %%mm2, %0" : "=r"(lo) : "m"(v32) : "memory");
    check_eq(lo, 0x89abcdef, "MOVD m32 -> mm -> r32");
    static u8 buf[24];
    for (int i = 0; i < 24; i++) buf[i] = 0x5a;
    x = 0x0123456789abcdefull;
    __asm__ volatile("movq %1, %%mm3\n\tmovq %%mm3, %0" : "=m"(*(u64 *)(buf + 9)) : "m"(x) : "memory");
    int ok = rd64(buf + 9) == x && buf[8] == 0x5a && buf[17] == 0x5a;
    __asm__ volatile("movq %1, %%mm4\n\tmovq %%mm4, %0" : "=m"(r) : "m"(*(u64 *)(buf + 9)) : "memory");
    check(ok && r == x, "MOVQ memory round trip (unaligned, neighbours untouched)");

    /* ---- aliasing with the x87 registers ---- */
    static const u64 vals[8] = {
        0x0000000000000000ull, 0x8000000000000000ull, 0x0123456789abcdefull, 0xffffffffffffffffull,
        0x7fffffffffffffffull, 0x0000000000000001ull, 0xdeadbeefcafef00dull, 0x4000000000000000ull,
    };
    __asm__ volatile("fninit\n\tfld1\n\tfld1" ::: "memory");                     /* TOP = 6 */
    __asm__ volatile("movq 0(%0), %%mm0\n\tmovq 8(%0), %%mm1\n\tmovq 16(%0), %%mm2\n\tmovq 24(%0), %%mm3\n\t"
                     "movq 32(%0), %%mm4\n\tmovq 40(%0), %%mm5\n\tmovq 48(%0), %%mm6\n\tmovq 56(%0), %%mm7"
                     :: "r"(vals) : "memory");
    check_eq((fnstsw() >> 11) & 7, 0, "an MMX instruction sets TOP = 0 (was 6)");
    for (int i = 0; i < 512; i++) out[i] = 0xcc;
    __asm__ volatile("fxsave %0" : "=m"(*(u8(*)[512])out) :: "memory");
    check_eq(out[4], 0xff, "FXSAVE abridged tag byte after MMX writes = 0xFF (all valid)");
    ok = 1;
    for (int i = 0; i < 8; i++) ok &= rd64(out + 32 + 16 * i) == vals[i] && rd16(out + 40 + 16 * i) == 0xffff;
    check(ok, "FXSAVE ST0-ST7 = MM0-MM7 with bits 79:64 = 0xFFFF");
    if (!ok) dump_regs(out + 32, 16);
    u8 save[108];
    __asm__ volatile("fnsave %0" : "=m"(save) :: "memory");
    ok = 1;
    for (int i = 0; i < 8; i++) ok &= rd64(save + 28 + 10 * i) == vals[i] && rd16(save + 36 + 10 * i) == 0xffff;
    check(ok, "FNSAVE: register i = MMi, exponent/sign bits 79:64 = 0xFFFF");
    if (!ok) dump_regs(save + 28, 10);
    check_eq((rd16(save + 4) >> 11) & 7, 0, "FNSAVE status word TOP = 0");
    check_eq(rd16(save + 8), 0xaaaa, "FNSAVE tag word = 0xAAAA (tags from the contents: exponent 0x7FFF is special)");
    __asm__ volatile("frstor %0" :: "m"(save) : "memory");
    __asm__ volatile("movq %%mm6, %0" : "=m"(r) :: "memory");
    check64(r, vals[6], "FRSTOR of that image gives MM6 back");
    u16 env[14];
    __asm__ volatile("emms\n\tfnstenv %0" : "=m"(env) :: "memory");
    check_eq(env[4], 0xffff, "EMMS then FNSTENV tag word = 0xFFFF");
    __asm__ volatile("fldcw %0" :: "m"(env[0]));                              /* FNSTENV masked all */
    __asm__ volatile("fninit\n\tfld1\n\tmovq %%mm0, %%mm1\n\tfnstenv %0" : "=m"(env) :: "memory");
    check_eq(env[4], 0x2aaa, "FLD1, MOVQ mm, mm: FNSTENV tag word 0x2AAA (R7 = 1.0 valid, the MMX values special)");
    __asm__ volatile("emms\n\tfninit");

    /* ---- lazy FPU switching: two tasks, #NM, CLTS + FXSAVE/FXRSTOR ---- */
    static const u64 t0 = 0x1111111111111111ull, t1 = 0x2222222222222222ull, one = 0x0101010101010101ull;
    __asm__ volatile("fninit\n\tmovq %1, %%mm0\n\tfxsave %0" : "=m"(task_area[0]) : "m"(t0) : "memory");
    __asm__ volatile("fninit\n\tmovq %1, %%mm0\n\tfxsave %0" : "=m"(task_area[1]) : "m"(t1) : "memory");
    fpu_owner = 1; current = 1;
    nm_count = 0;
    set_handler(7, on_nm);
    u64 seen[4];
    extern char lazy_insn0[], lazy_insn1[], lazy_insn2[];
    switch_to(0);
    __asm__ volatile("lazy_insn0: movq %%mm0, %0\n\tpaddb %1, %%mm0" : "=m"(seen[0]) : "m"(one) : "memory");
    check_eq(nm_count, 1, "CR0.TS = 1: the first MMX instruction raises #NM (once)");
    check_eq(nm_eip[0], (u32)lazy_insn0, "#NM is a fault: EIP = the MMX instruction");
    check64(seen[0], t0, "after CLTS + FXSAVE(task 1) + FXRSTOR(task 0) the MOVQ sees task 0's MM0");
    switch_to(1);
    __asm__ volatile("lazy_insn1: movq %%mm0, %0\n\tpaddb %1, %%mm0\n\tpaddb %1, %%mm0" : "=m"(seen[1]) : "m"(one) : "memory");
    check64(seen[1], t1, "switch to task 1: #NM, its MM0 is restored");
    switch_to(0);
    __asm__ volatile("lazy_insn2: movq %%mm0, %0" : "=m"(seen[2]) :: "memory");
    check64(seen[2], t0 + one, "back to task 0: MM0 kept its PADDB from before the switch");
    switch_to(1);
    __asm__ volatile("emms\n\tmovq %%mm0, %0" : "=m"(seen[3]) :: "memory");   /* EMMS faults first */
    check64(seen[3], t1 + one + one, "task 1 again (the #NM at EMMS): MM0 kept its two PADDBs");
    check_eq(nm_count, 4, "one #NM per switch, none while CR0.TS = 0");
    check_eq(nm_eip[1] == (u32)lazy_insn1 && nm_eip[2] == (u32)lazy_insn2, 1, "each #NM reported the MMX instruction's EIP");
    check64(rd64(task_area[0] + 32), t0 + one, "task 0's save area holds its MM0 as FXSAVE stored it");
    set_handler(7, NULL);
    write_cr0(read_cr0() & ~CR0_TS);
    __asm__ volatile("emms\n\tfninit");

    /* ---- FXSAVE/FXRSTOR with CR4.OSFXSR = 1: the XMM area and MXCSR ---- */
    write_cr4(read_cr4() | CR4_OSFXSR);
    __asm__ volatile("fninit\n\tfxsave %0" : "=m"(*(u8(*)[512])img) :: "memory");
    for (int i = 0; i < 16; i++) img[160 + i] = (u8)(0xa0 + i);           /* XMM0 */
    for (int i = 0; i < 16; i++) img[272 + i] = (u8)(0x70 - i);           /* XMM7 */
    img[24] = 0x80; img[25] = 0x7f; img[26] = 0; img[27] = 0;             /* MXCSR = 0x7F80 */
    __asm__ volatile("fxrstor %0" :: "m"(*(u8(*)[512])img) : "memory");
    for (int i = 0; i < 512; i++) out[i] = 0xcc;
    __asm__ volatile("fxsave %0" : "=m"(*(u8(*)[512])out) :: "memory");
    ok = 1;
    for (int i = 0; i < 16; i++) ok &= out[160 + i] == (u8)(0xa0 + i) && out[272 + i] == (u8)(0x70 - i);
    check(ok, "CR4.OSFXSR = 1: FXRSTOR then FXSAVE round-trips XMM0 and XMM7");
    check_eq(rd32(out + 24), 0x7f80, "CR4.OSFXSR = 1: MXCSR 0x7F80 round-trips");
    u32 mask = rd32(out + 28);
    check(mask != 0 && (mask & 0xffff0000u) == 0 && (mask & 0xff80u) == 0xff80u, "MXCSR_MASK is nonzero, bits 15:7 set, bits 31:16 clear");

    /* misaligned FXSAVE, reserved MXCSR bit in FXRSTOR's image */
    EXPECT_FAULT("3: fxsave out+8");
    check(fault_vector == 13 && fault_err == 0 && fault_eip == fault_start, "FXSAVE to an address = 8 mod 16: #GP(0)");
    EXPECT_FAULT("3: fxrstor out+4");
    check(fault_vector == 13 && fault_err == 0 && fault_eip == fault_start, "FXRSTOR from an address = 4 mod 16: #GP(0)");
    /* Not checked: whether the rest of the state is left unchanged (a fault should; Bochs 2.7
       loads FCW from the image before it raises this #GP). */
    for (int i = 0; i < 512; i++) out[i] = img[i];
    out[27] = 0x80;                                                        /* MXCSR bit 31: reserved */
    EXPECT_FAULT("3: fxrstor out");
    check(fault_vector == 13 && fault_err == 0 && fault_eip == fault_start, "FXRSTOR with MXCSR bit 31 set: #GP(0)");
    __asm__ volatile("fninit");
    write_cr4(read_cr4() & ~CR4_OSFXSR);
    /* Implementation-dependent (Intel SDM Vol. 2A FXSAVE: with CR4.OSFXSR = 0 MXCSR and XMM0-7
       "may not be saved"; AMD APM Vol. 5 FXSAVE: XMM registers are not saved, MXCSR is): printed
       as indented INFO lines, which guests/check-references.mjs does not compare. */
    for (int i = 0; i < 512; i++) out[i] = 0xcc;
    __asm__ volatile("fxsave %0" : "=m"(*(u8(*)[512])out) :: "memory");
    printf("  INFO: CR4.OSFXSR = 0: FXSAVE over 0xCC bytes stored MXCSR %08x, XMM0 %08x.., XMM7 %08x..\n",
           rd32(out + 24), rd32(out + 160), rd32(out + 272));
    for (int i = 0; i < 512; i++) out[i] = img[i];
    for (int i = 0; i < 16; i++) out[160 + i] = 0x11;
    out[24] = 0x80; out[25] = 0x1f;
    __asm__ volatile("fxrstor %0" :: "m"(*(u8(*)[512])out) : "memory");
    write_cr4(read_cr4() | CR4_OSFXSR);
    for (int i = 0; i < 512; i++) out[i] = 0xcc;
    __asm__ volatile("fxsave %0" : "=m"(*(u8(*)[512])out) :: "memory");
    printf("  INFO: CR4.OSFXSR = 0: FXRSTOR of MXCSR 00001f80, XMM0 11111111.. left MXCSR %08x, XMM0 %08x.. (read back with OSFXSR = 1)\n",
           rd32(out + 24), rd32(out + 160));
    write_cr4(read_cr4() & ~CR4_OSFXSR);
    __asm__ volatile("fninit");

    /* ---- CR0.EM = 1: MMX raises #UD ---- */
    write_cr0(read_cr0() | CR0_EM);
    EXPECT_FAULT("3: movq %%mm0, %%mm1");
    check(fault_vector == 6 && fault_eip == fault_start, "CR0.EM = 1: MOVQ mm, mm raises #UD");
    EXPECT_FAULT("3: emms");
    check(fault_vector == 6 && fault_eip == fault_start, "CR0.EM = 1: EMMS raises #UD");
    write_cr0(read_cr0() & ~CR0_EM);

    /* ---- #MF: a pending unmasked x87 exception, then an MMX instruction ---- */
    static const u16 cw_zm = 0x037b;                                       /* ZE unmasked */
    static const u64 before = 0x5555555555555555ull;
    /* MOVQ first: it marks every register valid, so FNINIT must come after it (tags empty) */
    __asm__ volatile("movq %0, %%mm1\n\tfninit\n\tfldcw %1\n\tfld1\n\tfldz\n\tfdivrp" :: "m"(before), "m"(cw_zm) : "memory");
    u16 sw = fnstsw();
    check_eq(sw & 0x80bf, 0x8084, "unmasked divide by zero: only ZE, ES and B set, no fault yet");
    EXPECT_FAULT("3: movq %%mm2, %%mm1");
    check(fault_vector == 16 && fault_eip == fault_start, "CR0.NE = 1: the next MMX instruction raises #MF at its own EIP");
    __asm__ volatile("fnclex\n\tmovq %%mm1, %0" : "=m"(r) :: "memory");
    check64(r, before, "the MMX instruction did not execute (MM1 unchanged)");
    __asm__ volatile("emms\n\tfninit");
    report();
}
