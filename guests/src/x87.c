/*
 * x87: the floating-point unit — FNINIT state, loads/stores of 32/64/80-bit reals and
 * integers, arithmetic (add, mul, div, sqrt) with exact results, comparisons (FCOMI, FCOM +
 * FNSTSW), the tag word, constants, FSAVE/FRSTOR round trip, and masked exceptions
 * setting status flags (Intel SDM Vol. 1 ch. 8).
 * Expected output checked on QEMU 7.2 TCG: guests/expected/x87.txt, QEMU status 1.
 */
#include "rt.h"

static u16 fnstsw(void) { u16 s; __asm__ volatile("fnstsw %0" : "=m"(s)); return s; }
static u16 fnstcw(void) { u16 c; __asm__ volatile("fnstcw %0" : "=m"(c)); return c; }

int main(void) {
    puts("x87: FPU state, arithmetic, comparisons, FSAVE/FRSTOR, exceptions\n");
    write_cr0((read_cr0() & ~0xcu) | 0x22);                 /* EM=0 TS=0 MP=1 NE=1 */
    __asm__ volatile("fninit");
    check_eq(fnstcw(), 0x037f, "FNINIT control word 0x037F");
    check_eq(fnstsw(), 0, "FNINIT status word 0");

    i32 a = 1234567, b = 7654321, prod[2];
    __asm__ volatile("fildl %1\n\tfildl %2\n\tfmulp\n\tfistpll %0" : "=m"(prod) : "m"(a), "m"(b));
    u64 p = ((u64)(u32)prod[1] << 32) | (u32)prod[0];
    check(p == 9449772114007ull, "FILD/FMUL/FISTP m64: 1234567 * 7654321 exact");

    i32 two = 2, r;
    static const u16 cw_trunc = 0x0f7f;                      /* round toward zero */
    __asm__ volatile("fldcw %2\n\tfildl %1\n\tfsqrt\n\tfmull %3\n\tfistpl %0\n\tfldcw %4"
                     : "=m"(r) : "m"(two), "m"(cw_trunc), "m"(*(const u64 *)&(const u64){0x412e848000000000ull}), "m"(*(const u16 *)&(const u16){0x037f}));
    check_eq((u32)r, 1414213, "FSQRT(2) * 1e6 truncated = 1414213");

    u32 f32;
    __asm__ volatile("fld1\n\tfldl2t\n\tfaddp\n\tfstps %0" : "=m"(f32));
    check_eq(f32, 0x408a4d3c, "FLD1 + FLDL2T stored as single (4.3219281)");

    u8 ext[10];
    __asm__ volatile("fldpi\n\tfstpt %0" : "=m"(ext));
    u32 lo = ext[0] | (ext[1] << 8) | (ext[2] << 16) | ((u32)ext[3] << 24);
    u32 hi = ext[4] | (ext[5] << 8) | (ext[6] << 16) | ((u32)ext[7] << 24);
    u32 se = ext[8] | (ext[9] << 8);
    check(lo == 0x2168c235 && hi == 0xc90fdaa2 && se == 0x4000, "FLDPI stored as 80-bit: 4000 c90fdaa2 2168c235");

    u32 flags;
    __asm__ volatile("fld1\n\tfldz\n\tfcomip %%st(1), %%st\n\tfstp %%st(0)\n\tpushf\n\tpop %0" : "=r"(flags) :: "cc");
    check((flags & 0x45) == 0x01, "FCOMIP 0 < 1 sets CF only");
    u16 sw;
    __asm__ volatile("fld1\n\tfld1\n\tfcompp\n\tfnstsw %0" : "=m"(sw));
    check((sw & 0x4500) == 0x4000, "FCOMPP 1 == 1 sets C3 only");

    __asm__ volatile("fninit\n\tfld1\n\tfldz");
    u16 env[14];
    __asm__ volatile("fnstenv %0" : "=m"(env));
    check_eq(env[4] & 0xffff, 0x1fff, "tag word after FLD1, FLDZ: physical 6 zero, 7 valid = 0x1FFF");
    check_eq((env[2] >> 11) & 7, 6, "TOP = 6 after two pushes");

    u8 save[108], save2[108];
    __asm__ volatile("fnsave %0" : "=m"(save));
    check_eq(fnstcw(), 0x037f, "FNSAVE reinitialises the FPU");
    __asm__ volatile("frstor %0\n\tfnsave %1" : : "m"(save), "m"(save2) : "memory");
    int same = 1;
    for (int i = 0; i < 108; i++) if (i < 12 || i >= 28) same &= save[i] == save2[i];
    check(same, "FRSTOR then FNSAVE gives the same image (control, status, tags, registers)");

    __asm__ volatile("fninit\n\tfld1\n\tfldz\n\tfdivrp\n\tfnstsw %0\n\tfstp %%st(0)" : "=m"(sw));
    check((sw & 0x04) != 0, "masked divide by zero sets ZE");
    __asm__ volatile("fninit\n\tfld1\n\tfchs\n\tfsqrt\n\tfnstsw %0\n\tfstp %%st(0)" : "=m"(sw));
    check((sw & 0x01) != 0, "masked FSQRT(-1) sets IE");
    __asm__ volatile("fninit");
    report();
}
