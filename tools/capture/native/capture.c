/*
 * x86kit real-silicon capture tool.
 *
 * Generates instruction tests (one instruction form at a time, random initial states biased
 * toward edge cases), runs each one natively on the host CPU in this user process and prints
 * the result as one JSON line per test (format: tools/capture/corpus/README.md).
 *
 * Build: tools/capture/build.sh (gcc -m64 -> capture64: 64-bit mode; gcc -m32 -> capture32:
 * 32-bit compatibility mode and 16-bit protected mode through an LDT code segment).
 *
 * How a test runs: the instruction bytes are written into a code page filled with INT3 (0xCC),
 * the data pages are mapped at fixed addresses with the test's permissions, the full register
 * state (GPRs, RFLAGS, x87/MMX/SSE through FXRSTOR, YMM) is loaded by a small assembly stub and
 * the stub jumps to the instruction. The instruction ends with the CPU reaching an INT3 of the
 * fill (normal completion: SIGTRAP, vector 3, RIP just past a fill byte) or with an exception
 * (SIGSEGV/SIGBUS/SIGFPE/SIGILL/SIGTRAP). Either way the signal handler copies the register
 * state (ucontext gregs + the FXSAVE/XSAVE image of the signal frame, trapno, err, cr2) and
 * siglongjmp()s back to the driver.
 */
#define _GNU_SOURCE
#include <asm/ldt.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#ifdef __x86_64__
#define HOSTBITS 64
#define NREG 16
#define NXMM 16
#else
#define HOSTBITS 32
#define NREG 8
#define NXMM 8
#endif

#define LAUNCH 0x0F000000UL
#define CODE 0x10000000UL
#define DATA 0x20000000UL
#define CODE_OFF 0x800u
#define SEG16_BASE 0x1FFF8000UL /* 16-bit mode: DS=ES=SS base; offset 0x8000 = DATA */
#define SEL16_CS 0x07           /* LDT entry 0, RPL 3 */
#define SEL16_DS 0x0F           /* LDT entry 1, RPL 3 */

#define F_CF 0x001
#define F_PF 0x004
#define F_AF 0x010
#define F_ZF 0x040
#define F_SF 0x080
#define F_DF 0x400
#define F_OF 0x800
#define F_ARITH (F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)

/* ---------------------------------------------------------------- launch stubs */

#ifdef __x86_64__
__asm__(".text\n"
        ".globl cap_enter\n"
        "cap_enter:\n"
        "  fxrstor 0x0F000100\n"
        "  jmp 1f\n"
        ".globl cap_enter_avx\n"
        "cap_enter_avx:\n"
        "  fxrstor 0x0F000100\n"
        "  vmovdqu 0x0F000400, %ymm0\n  vmovdqu 0x0F000420, %ymm1\n"
        "  vmovdqu 0x0F000440, %ymm2\n  vmovdqu 0x0F000460, %ymm3\n"
        "  vmovdqu 0x0F000480, %ymm4\n  vmovdqu 0x0F0004A0, %ymm5\n"
        "  vmovdqu 0x0F0004C0, %ymm6\n  vmovdqu 0x0F0004E0, %ymm7\n"
        "  vmovdqu 0x0F000500, %ymm8\n  vmovdqu 0x0F000520, %ymm9\n"
        "  vmovdqu 0x0F000540, %ymm10\n  vmovdqu 0x0F000560, %ymm11\n"
        "  vmovdqu 0x0F000580, %ymm12\n  vmovdqu 0x0F0005A0, %ymm13\n"
        "  vmovdqu 0x0F0005C0, %ymm14\n  vmovdqu 0x0F0005E0, %ymm15\n"
        "1:\n"
        "  movq $0x0F000080, %rsp\n"
        "  popfq\n"
        "  movq 0x0F000000, %rax\n  movq 0x0F000008, %rcx\n  movq 0x0F000010, %rdx\n"
        "  movq 0x0F000018, %rbx\n  movq 0x0F000028, %rbp\n  movq 0x0F000030, %rsi\n"
        "  movq 0x0F000038, %rdi\n  movq 0x0F000040, %r8\n  movq 0x0F000048, %r9\n"
        "  movq 0x0F000050, %r10\n  movq 0x0F000058, %r11\n  movq 0x0F000060, %r12\n"
        "  movq 0x0F000068, %r13\n  movq 0x0F000070, %r14\n  movq 0x0F000078, %r15\n"
        "  movq 0x0F000020, %rsp\n"
        "  jmpq *0x0F000088\n");
#else
__asm__(".text\n"
        ".globl cap_enter\n"
        "cap_enter:\n"
        "  fxrstor 0x0F000100\n"
        "  jmp 1f\n"
        ".globl cap_enter_avx\n"
        "cap_enter_avx:\n"
        "  fxrstor 0x0F000100\n"
        "  vmovdqu 0x0F000400, %ymm0\n  vmovdqu 0x0F000420, %ymm1\n"
        "  vmovdqu 0x0F000440, %ymm2\n  vmovdqu 0x0F000460, %ymm3\n"
        "  vmovdqu 0x0F000480, %ymm4\n  vmovdqu 0x0F0004A0, %ymm5\n"
        "  vmovdqu 0x0F0004C0, %ymm6\n  vmovdqu 0x0F0004E0, %ymm7\n"
        "1:\n"
        "  movl $0x0F000080, %esp\n"
        "  popfl\n"
        "  movl 0x0F000000, %eax\n  movl 0x0F000008, %ecx\n  movl 0x0F000010, %edx\n"
        "  movl 0x0F000018, %ebx\n  movl 0x0F000028, %ebp\n  movl 0x0F000030, %esi\n"
        "  movl 0x0F000038, %edi\n"
        "  movl 0x0F000020, %esp\n"
        "  jmp *0x0F000088\n"
        ".globl cap_enter16\n"
        "cap_enter16:\n"
        "  fxrstor 0x0F000100\n"
        "  movl $0x0F000080, %esp\n"
        "  popfl\n"
        "  movl 0x0F000000, %eax\n  movl 0x0F000008, %ecx\n  movl 0x0F000010, %edx\n"
        "  movl 0x0F000018, %ebx\n  movl 0x0F000028, %ebp\n  movl 0x0F000030, %esi\n"
        "  movl 0x0F000038, %edi\n"
        "  movw 0x0F00009A, %es\n"
        "  lss 0x0F000090, %esp\n"
        "  movw 0x0F000098, %ds\n"
        "  ljmp *%cs:0x0F000088\n");
#endif
extern void cap_enter(void);
extern void cap_enter_avx(void);
#ifndef __x86_64__
extern void cap_enter16(void);
#endif

/* ---------------------------------------------------------------- state */

typedef struct {
  u64 r[16];
  u64 fl;
  u64 ip;
  u8 fx[512];      /* FXSAVE image (x87, MMX, MXCSR, XMM) */
  u8 ymmh[16][16]; /* upper halves of YMM0-15 */
} cpu_t;

typedef struct {
  cpu_t c;
  int sig, trapno, timeout;
  u64 err, cr2;
  u16 cs;
} result_t;

static sigjmp_buf g_jb;
static volatile result_t g_res;
static u8 g_fx_default[512] __attribute__((aligned(64)));

static void handler(int sig, siginfo_t *si, void *ucv) {
  /* a test may have set EFLAGS.AC with POPF: clear it before any unaligned access here */
#ifdef __x86_64__
  __asm__ volatile("pushfq; andq $~0x40000, (%%rsp); popfq" ::: "memory", "cc");
#else
  __asm__ volatile("pushfl; andl $~0x40000, (%%esp); popfl" ::: "memory", "cc");
#endif
  (void)si;
  ucontext_t *uc = (ucontext_t *)ucv;
  result_t *r = (result_t *)&g_res;
  r->sig = sig;
  r->timeout = sig == SIGALRM;
  greg_t *g = uc->uc_mcontext.gregs;
#ifdef __x86_64__
  static const int map[16] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
                              REG_R8,  REG_R9,  REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15};
  for (int i = 0; i < 16; i++) r->c.r[i] = (u64)g[map[i]];
  r->c.ip = (u64)g[REG_RIP];
  r->c.fl = (u64)g[REG_EFL];
  r->trapno = (int)g[REG_TRAPNO];
  r->err = (u64)g[REG_ERR];
  r->cr2 = (u64)g[REG_CR2];
  r->cs = (u16)(g[REG_CSGSFS] & 0xffff);
  u8 *fx = (u8 *)uc->uc_mcontext.fpregs;
#else
  static const int map[8] = {REG_EAX, REG_ECX, REG_EDX, REG_EBX, REG_UESP, REG_EBP, REG_ESI, REG_EDI};
  for (int i = 0; i < 8; i++) r->c.r[i] = (u32)g[map[i]];
  r->c.ip = (u32)g[REG_EIP];
  r->c.fl = (u32)g[REG_EFL];
  r->trapno = (int)g[REG_TRAPNO];
  r->err = (u32)g[REG_ERR];
  r->cr2 = (u32)uc->uc_mcontext.cr2;
  r->cs = (u16)g[REG_CS];
  u8 *fx = (u8 *)uc->uc_mcontext.fpregs;
  if (fx) fx += 112; /* struct _fpstate_32: legacy FSAVE part (112 bytes), then the FXSAVE image */
#endif
  memset((void *)r->c.ymmh, 0, sizeof r->c.ymmh);
  if (fx) {
    memcpy((void *)r->c.fx, fx, 512);
    u32 magic1;
    memcpy(&magic1, fx + 464, 4);
    if (magic1 == 0x46505853u) { /* FP_XSTATE_MAGIC1: an XSAVE header follows */
      u64 xbv;
      memcpy(&xbv, fx + 512, 8);
      if (xbv & 4) memcpy((void *)r->c.ymmh, fx + 576, NXMM * 16);
    }
  }
  siglongjmp(g_jb, 1);
}

/* ---------------------------------------------------------------- rng */

static u64 g_rs;
static u64 rnd(void) {
  u64 z = (g_rs += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}
static u32 rn(u32 n) { return (u32)(rnd() % n); }
static u64 wmask(int w) { return w >= 64 ? ~0ULL : ((1ULL << w) - 1); }

/* an edge-biased value of width w bits */
static u64 edge(int w) {
  u64 m = wmask(w), s = 1ULL << (w - 1), v;
  switch (rn(16)) {
    case 0: v = 0; break;
    case 1: v = 1; break;
    case 2: v = m; break;
    case 3: v = s; break;
    case 4: v = s - 1; break;
    case 5: v = rn(66); break;
    case 6: v = s + rn(3) - 1; break;
    case 7: v = m - rn(4); break;
    case 8: v = 1ULL << rn((u32)w); break;
    case 9: v = (1ULL << rn((u32)w)) - 1; break;
    case 10: v = rnd() & 0x8080808080808080ULL; break;
    case 11: v = rnd() & 0x0F0F0F0F0F0F0F0FULL; break; /* BCD-ish nibbles */
    default: v = rnd(); break;
  }
  return v & m;
}
/* a full register value: an edge value in the low 8/16/32/64 bits, random or zero above */
static u64 regval(void) {
  static const int ws[4] = {8, 16, 32, 64};
  int w = ws[rn(4)];
  u64 hi = rn(3) == 0 ? 0 : (rn(4) == 0 ? ~0ULL : rnd());
  u64 lo = edge(w);
  return (hi & ~wmask(w)) | lo;
}

/* ---------------------------------------------------------------- forms */

enum {
  K_OPREG = 1u << 0,   /* register in opcode bits 2:0 */
  K_SHIFT = 1u << 1,   /* group-2 shift/rotate: count-dependent undefined flags */
  K_CL = 1u << 2,      /* count in CL */
  K_SHD = 1u << 3,     /* SHLD/SHRD */
  K_DIV = 1u << 4,     /* bias toward non-faulting divides */
  K_STR = 1u << 5,     /* string instruction: rSI/rDI/rCX plan */
  K_REL = 1u << 6,     /* relative branch: displacement = immediate */
  K_IND = 1u << 7,     /* indirect branch: operand = a code address */
  K_RET = 1u << 8,     /* stack top = a code address */
  K_FP = 1u << 9,      /* x87/MMX state recorded */
  K_SSE = 1u << 10,    /* SSE state recorded (also sets K_FP semantics for the image) */
  K_AVX = 1u << 11,    /* YMM upper halves recorded */
  K_BT = 1u << 12,     /* bit offset register biased small */
  K_REGONLY = 1u << 13,
  K_MEMONLY = 1u << 14,
  K_D64 = 1u << 15,    /* operand size defaults to 64 in 64-bit mode */
  K_BSF = 1u << 16,    /* destination undefined when the source is zero */
  K_MOFFS = 1u << 17,  /* A0-A3 absolute address */
  K_SREG = 1u << 18,   /* MOV Sreg: only ES, SS, DS */
  K_INTN = 1u << 19,   /* INT imm8, never 0x80 */
  K_NOREX = 1u << 20,  /* no random REX */
  K_CMPS = 1u << 21,   /* string compare: bias equal runs */
  K_ROT = 1u << 22,    /* rotate (not shift) */
  K_SHLR = 1u << 23,   /* SHL/SHR: CF undefined when count >= width */
  K_CX16 = 1u << 24,
  K_VEX = 1u << 25,
  K_MMXV = 1u << 26,   /* register operands are MMX registers (values in ST mantissas) */
  K_FPMEM = 1u << 27,  /* memory operand holds FP edge values */
  K_AVAR = 1u << 28,   /* also generate the other address size */
  K_LOCK = 1u << 29,
  K_POPSEG = 1u << 30, /* stack top = a selector */
  K_NOVVVV = 1u << 31, /* VEX.vvvv unused (must be 1111b) */
};

enum { IMM_NONE = 0, IMM_B = 1, IMM_W = 2, IMM_D = 4, IMM_Z = 5, IMM_V = 6, IMM_ENTER = 7, IMM_FAR = 8 };

typedef struct {
  char id[64];
  char iced[48];
  const char *cat;
  int mode, osz, asz;
  u8 pfx[4];
  int npfx;
  u8 op[4];
  int nop;
  char modrm; /* 0 none, 'r' reg+rm, '0'..'7' extension */
  int imm;
  u32 k;
  u16 uf;
  u8 vmap, vpp, vL, vW; /* VEX fields */
  char enc[48];
} form_t;

#define MAXFORMS 4096
static form_t g_forms[MAXFORMS];
static int g_nforms;
static int g_mode; /* 16, 32 or 64 */

enum { O8 = 8, O16 = 16, O32 = 32, O64 = 64, OV = 1, O_NA = 0, OV3264 = 2 };
enum { M16 = 1, M32 = 2, M64 = 4, MALL = 7, MNO64 = 3, M3264 = 6 };

static int parse_hex(const char *s, u8 *out) {
  int n = 0;
  while (*s) {
    while (*s == ' ') s++;
    if (!*s) break;
    out[n++] = (u8)strtoul(s, (char **)&s, 16);
  }
  return n;
}

static void add1(const char *name, const char *iced, const char *cat, int osz, int asz, const char *pfx,
                 const char *op, char modrm, int imm, u32 k, u16 uf, int vosz) {
  if (g_nforms >= MAXFORMS) { fprintf(stderr, "too many forms\n"); exit(1); }
  form_t *f = &g_forms[g_nforms++];
  memset(f, 0, sizeof *f);
  f->cat = cat;
  f->mode = g_mode;
  f->osz = osz;
  f->asz = asz;
  f->npfx = parse_hex(pfx, f->pfx);
  f->nop = parse_hex(op, f->op);
  f->modrm = modrm;
  f->imm = imm;
  f->k = k;
  f->uf = uf;
  int defa = g_mode == 16 ? 16 : g_mode;
  char sfx[32] = "";
  if (vosz) sprintf(sfx + strlen(sfx), " o%d", osz);
  if (asz != defa) sprintf(sfx + strlen(sfx), " a%d", asz);
  snprintf(f->id, sizeof f->id, "%s%s", name, sfx);
  if (iced) {
    /* '#' stands for the operand size in iced Code names */
    char *d = f->iced;
    for (const char *s = iced; *s && d < f->iced + sizeof f->iced - 4; s++) {
      if (*s == '#') d += sprintf(d, "%d", osz);
      else *d++ = *s;
    }
    *d = 0;
  }
  snprintf(f->enc, sizeof f->enc, "%s%s%s%s", pfx, *pfx ? " " : "", op,
           modrm == 'r' ? " /r" : modrm >= '0' && modrm <= '7' ? (modrm == '0' ? " /0" : modrm == '1' ? " /1" : modrm == '2' ? " /2" : modrm == '3' ? " /3" : modrm == '4' ? " /4" : modrm == '5' ? " /5" : modrm == '6' ? " /6" : " /7") : "");
}

/* add a form in every mode of `modes`, expanding variable operand sizes */
static void add(int modes, const char *name, const char *iced, const char *cat, int osz, const char *pfx,
                const char *op, char modrm, int imm, u32 k, u16 uf) {
  int mbit = g_mode == 16 ? M16 : g_mode == 32 ? M32 : M64;
  if (!(modes & mbit)) return;
  int sizes[3], n = 0, vosz = 0;
  if (osz == OV || osz == OV3264) {
    vosz = 1;
    if (k & K_D64 && g_mode == 64) { sizes[n++] = 16; sizes[n++] = 64; }
    else {
      if (osz == OV) sizes[n++] = 16;
      sizes[n++] = 32;
      if (g_mode == 64) sizes[n++] = 64;
    }
  } else sizes[n++] = osz;
  int defa = g_mode == 16 ? 16 : g_mode;
  for (int i = 0; i < n; i++) {
    add1(name, iced, cat, sizes[i], defa, pfx, op, modrm, imm, k, uf, vosz);
    if (k & K_AVAR) {
      int other = g_mode == 64 ? 32 : g_mode == 16 ? 32 : 0;
      if (other) add1(name, iced, cat, sizes[i], other, pfx, op, modrm, imm, k, uf, vosz);
    }
  }
}

static void addvex(int modes, const char *name, const char *cat, int map, int pp, int L, int W,
                   const char *op, char modrm, int imm, u32 k, u16 uf, int gpr) {
  int mbit = g_mode == 16 ? M16 : g_mode == 32 ? M32 : M64;
  if (!(modes & mbit)) return;
  int ws = W < 0 ? 2 : 1;
  for (int wi = 0; wi < ws; wi++) {
    int w = W < 0 ? wi : W;
    if (gpr && w == 1 && g_mode != 64) continue;
    char nm[64];
    if (gpr) snprintf(nm, sizeof nm, "%s%s", name, w ? " r64" : " r32");
    else snprintf(nm, sizeof nm, "%s", name);
    add1(nm, NULL, cat, gpr ? (w ? 64 : 32) : 0, g_mode == 16 ? 16 : g_mode, "", op, modrm, imm, k | K_VEX, uf, 0);
    form_t *f = &g_forms[g_nforms - 1];
    f->vmap = (u8)map; f->vpp = (u8)pp; f->vL = (u8)L; f->vW = (u8)w;
    snprintf(f->enc, sizeof f->enc, "VEX.L%d.%s.%s.W%d %s%s", L ? 256 : 128,
             pp == 0 ? "NP" : pp == 1 ? "66" : pp == 2 ? "F3" : "F2", map == 1 ? "0F" : map == 2 ? "0F38" : "0F3A",
             w, op, modrm == 'r' ? " /r" : " /ext");
  }
}

static const char *ccn[16] = {"o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"};

static void build_forms(void) {
  g_nforms = 0;
  char nm[64], ic[64], op[32];
  /* ---- integer ALU */
  static const char *alu[8] = {"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"};
  static const char *aluI[8] = {"Add", "Or", "Adc", "Sbb", "And", "Sub", "Xor", "Cmp"};
  for (int i = 0; i < 8; i++) {
    u16 uf = (i == 1 || i == 4 || i == 6) ? F_AF : 0;
    const char *a = alu[i], *A = aluI[i];
    int b = i * 8;
    u32 lk = (i == 7) ? 0 : K_LOCK;
    snprintf(nm, 64, "%s Eb,Gb", a); snprintf(ic, 64, "%s_rm8_r8", A); snprintf(op, 32, "%02x", b);
    add(MALL, nm, ic, "int", O8, "", op, 'r', 0, lk, uf);
    snprintf(nm, 64, "%s Ev,Gv", a); snprintf(ic, 64, "%s_rm#_r#", A); snprintf(op, 32, "%02x", b + 1);
    add(MALL, nm, ic, "int", OV, "", op, 'r', 0, lk | (i == 0 ? K_AVAR : 0), uf);
    snprintf(nm, 64, "%s Gb,Eb", a); snprintf(ic, 64, "%s_r8_rm8", A); snprintf(op, 32, "%02x", b + 2);
    add(MALL, nm, ic, "int", O8, "", op, 'r', 0, 0, uf);
    snprintf(nm, 64, "%s Gv,Ev", a); snprintf(ic, 64, "%s_r#_rm#", A); snprintf(op, 32, "%02x", b + 3);
    add(MALL, nm, ic, "int", OV, "", op, 'r', 0, 0, uf);
    snprintf(nm, 64, "%s AL,Ib", a); snprintf(ic, 64, "%s_AL_imm8", A); snprintf(op, 32, "%02x", b + 4);
    add(MALL, nm, ic, "int", O8, "", op, 0, IMM_B, 0, uf);
    snprintf(nm, 64, "%s eAX,Iz", a); snprintf(op, 32, "%02x", b + 5);
    add(MALL, nm, NULL, "int", OV, "", op, 0, IMM_Z, 0, uf);
    snprintf(nm, 64, "%s Eb,Ib", a); snprintf(ic, 64, "%s_rm8_imm8", A);
    add(MALL, nm, ic, "int", O8, "", "80", (char)('0' + i), IMM_B, lk, uf);
    snprintf(nm, 64, "%s Ev,Iz", a);
    add(MALL, nm, NULL, "int", OV, "", "81", (char)('0' + i), IMM_Z, lk, uf);
    snprintf(nm, 64, "%s Ev,Ib", a); snprintf(ic, 64, "%s_rm#_imm8", A);
    add(MALL, nm, ic, "int", OV, "", "83", (char)('0' + i), IMM_B, lk, uf);
  }
  add(MALL, "lock add Ev,Gv", NULL, "int", O32, "f0", "01", 'r', 0, 0, 0);
  add(MALL, "lock xadd Ev,Gv", NULL, "int", O32, "f0", "0f c1", 'r', 0, 0, 0);
  add(MALL, "test Eb,Gb", "Test_rm8_r8", "int", O8, "", "84", 'r', 0, 0, F_AF);
  add(MALL, "test Ev,Gv", "Test_rm#_r#", "int", OV, "", "85", 'r', 0, 0, F_AF);
  add(MALL, "test AL,Ib", "Test_AL_imm8", "int", O8, "", "a8", 0, IMM_B, 0, F_AF);
  add(MALL, "test eAX,Iz", NULL, "int", OV, "", "a9", 0, IMM_Z, 0, F_AF);
  add(MALL, "test Eb,Ib", "Test_rm8_imm8", "int", O8, "", "f6", '0', IMM_B, 0, F_AF);
  add(MALL, "test Ev,Iz", NULL, "int", OV, "", "f7", '0', IMM_Z, 0, F_AF);
  add(MALL, "inc Eb", "Inc_rm8", "int", O8, "", "fe", '0', 0, K_LOCK, 0);
  add(MALL, "dec Eb", "Dec_rm8", "int", O8, "", "fe", '1', 0, K_LOCK, 0);
  add(MALL, "inc Ev", "Inc_rm#", "int", OV, "", "ff", '0', 0, K_LOCK, 0);
  add(MALL, "dec Ev", "Dec_rm#", "int", OV, "", "ff", '1', 0, K_LOCK, 0);
  add(MNO64, "inc Zv", "Inc_r#", "int", OV, "", "40", 0, 0, K_OPREG, 0);
  add(MNO64, "dec Zv", "Dec_r#", "int", OV, "", "48", 0, 0, K_OPREG, 0);
  add(MALL, "not Eb", "Not_rm8", "int", O8, "", "f6", '2', 0, K_LOCK, 0);
  add(MALL, "neg Eb", "Neg_rm8", "int", O8, "", "f6", '3', 0, K_LOCK, 0);
  add(MALL, "not Ev", "Not_rm#", "int", OV, "", "f7", '2', 0, K_LOCK, 0);
  add(MALL, "neg Ev", "Neg_rm#", "int", OV, "", "f7", '3', 0, K_LOCK, 0);
  /* ---- mul / div */
  static const char *md[4] = {"mul", "imul", "div", "idiv"};
  static const char *mdI[4] = {"Mul", "Imul", "Div", "Idiv"};
  for (int i = 0; i < 4; i++) {
    u16 uf = i < 2 ? (F_SF | F_ZF | F_AF | F_PF) : F_ARITH;
    u32 k = i >= 2 ? K_DIV : 0;
    snprintf(nm, 64, "%s Eb", md[i]); snprintf(ic, 64, "%s_rm8", mdI[i]);
    add(MALL, nm, ic, "muldiv", O8, "", "f6", (char)('4' + i), 0, k, uf);
    snprintf(nm, 64, "%s Ev", md[i]); snprintf(ic, 64, "%s_rm#", mdI[i]);
    add(MALL, nm, ic, "muldiv", OV, "", "f7", (char)('4' + i), 0, k, uf);
  }
  add(MALL, "imul Gv,Ev", "Imul_r#_rm#", "muldiv", OV, "", "0f af", 'r', 0, 0, F_SF | F_ZF | F_AF | F_PF);
  add(MALL, "imul Gv,Ev,Iz", NULL, "muldiv", OV, "", "69", 'r', IMM_Z, 0, F_SF | F_ZF | F_AF | F_PF);
  add(MALL, "imul Gv,Ev,Ib", "Imul_r#_rm#_imm8", "muldiv", OV, "", "6b", 'r', IMM_B, 0, F_SF | F_ZF | F_AF | F_PF);
  /* ---- shifts and rotates */
  static const char *sh[8] = {"rol", "ror", "rcl", "rcr", "shl", "shr", "sal(/6)", "sar"};
  static const char *shI[8] = {"Rol", "Ror", "Rcl", "Rcr", "Shl", "Shr", "Sal", "Sar"};
  for (int i = 0; i < 8; i++) {
    u32 k = K_SHIFT | (i < 4 ? K_ROT : 0) | ((i == 4 || i == 5 || i == 6) ? K_SHLR : 0);
    u16 uf = i < 4 ? F_OF : (F_OF | F_AF);
    const char *I = i == 6 ? NULL : shI[i];
    u16 uf1 = i < 4 ? 0 : F_AF; /* count 1: OF is defined */
    snprintf(nm, 64, "%s Eb,1", sh[i]); snprintf(ic, 64, "%s_rm8_1", I ? I : "");
    add(MALL, nm, I ? ic : NULL, "shift", O8, "", "d0", (char)('0' + i), 0, k, uf1);
    snprintf(nm, 64, "%s Ev,1", sh[i]); snprintf(ic, 64, "%s_rm#_1", I ? I : "");
    add(MALL, nm, I ? ic : NULL, "shift", OV, "", "d1", (char)('0' + i), 0, k, uf1);
    snprintf(nm, 64, "%s Eb,CL", sh[i]); snprintf(ic, 64, "%s_rm8_CL", I ? I : "");
    add(MALL, nm, I ? ic : NULL, "shift", O8, "", "d2", (char)('0' + i), 0, k | K_CL, uf);
    snprintf(nm, 64, "%s Ev,CL", sh[i]); snprintf(ic, 64, "%s_rm#_CL", I ? I : "");
    add(MALL, nm, I ? ic : NULL, "shift", OV, "", "d3", (char)('0' + i), 0, k | K_CL, uf);
    snprintf(nm, 64, "%s Eb,Ib", sh[i]); snprintf(ic, 64, "%s_rm8_imm8", I ? I : "");
    add(MALL, nm, I ? ic : NULL, "shift", O8, "", "c0", (char)('0' + i), IMM_B, k, uf);
    snprintf(nm, 64, "%s Ev,Ib", sh[i]); snprintf(ic, 64, "%s_rm#_imm8", I ? I : "");
    add(MALL, nm, I ? ic : NULL, "shift", OV, "", "c1", (char)('0' + i), IMM_B, k, uf);
  }
  add(MALL, "shld Ev,Gv,Ib", "Shld_rm#_r#_imm8", "shift", OV, "", "0f a4", 'r', IMM_B, K_SHD, F_OF | F_AF);
  add(MALL, "shld Ev,Gv,CL", "Shld_rm#_r#_CL", "shift", OV, "", "0f a5", 'r', 0, K_SHD | K_CL, F_OF | F_AF);
  add(MALL, "shrd Ev,Gv,Ib", "Shrd_rm#_r#_imm8", "shift", OV, "", "0f ac", 'r', IMM_B, K_SHD, F_OF | F_AF);
  add(MALL, "shrd Ev,Gv,CL", "Shrd_rm#_r#_CL", "shift", OV, "", "0f ad", 'r', 0, K_SHD | K_CL, F_OF | F_AF);
  /* ---- bit instructions */
  static const char *bt[4] = {"bt", "bts", "btr", "btc"};
  static const char *btI[4] = {"Bt", "Bts", "Btr", "Btc"};
  static const char *btop[4] = {"0f a3", "0f ab", "0f b3", "0f bb"};
  for (int i = 0; i < 4; i++) {
    snprintf(nm, 64, "%s Ev,Gv", bt[i]); snprintf(ic, 64, "%s_rm#_r#", btI[i]);
    add(MALL, nm, ic, "bit", OV, "", btop[i], 'r', 0, K_BT | (i ? K_LOCK : 0), F_OF | F_SF | F_AF | F_PF);
    snprintf(nm, 64, "%s Ev,Ib", bt[i]); snprintf(ic, 64, "%s_rm#_imm8", btI[i]);
    add(MALL, nm, ic, "bit", OV, "", "0f ba", (char)('4' + i), IMM_B, i ? K_LOCK : 0, F_OF | F_SF | F_AF | F_PF);
  }
  add(MALL, "bsf Gv,Ev", "Bsf_r#_rm#", "bit", OV, "", "0f bc", 'r', 0, K_BSF, F_CF | F_OF | F_SF | F_AF | F_PF);
  add(MALL, "bsr Gv,Ev", "Bsr_r#_rm#", "bit", OV, "", "0f bd", 'r', 0, K_BSF, F_CF | F_OF | F_SF | F_AF | F_PF);
  add(MALL, "tzcnt Gv,Ev", "Tzcnt_r#_rm#", "bit", OV, "f3", "0f bc", 'r', 0, 0, F_OF | F_SF | F_AF | F_PF);
  add(MALL, "lzcnt Gv,Ev", "Lzcnt_r#_rm#", "bit", OV, "f3", "0f bd", 'r', 0, 0, F_OF | F_SF | F_AF | F_PF);
  add(MALL, "popcnt Gv,Ev", "Popcnt_r#_rm#", "bit", OV, "f3", "0f b8", 'r', 0, 0, 0);
  for (int c = 0; c < 16; c++) {
    snprintf(nm, 64, "set%s Eb", ccn[c]); snprintf(ic, 64, "Set%s_rm8", ccn[c]); snprintf(op, 32, "0f %02x", 0x90 + c);
    add(MALL, nm, ic, "bit", O8, "", op, '0', 0, 0, 0);
    snprintf(nm, 64, "cmov%s Gv,Ev", ccn[c]); snprintf(ic, 64, "Cmov%s_r#_rm#", ccn[c]); snprintf(op, 32, "0f %02x", 0x40 + c);
    add(MALL, nm, ic, "int", OV, "", op, 'r', 0, 0, 0);
  }
  /* ---- data movement */
  add(MALL, "mov Eb,Gb", "Mov_rm8_r8", "int", O8, "", "88", 'r', 0, K_AVAR, 0);
  add(MALL, "mov Ev,Gv", "Mov_rm#_r#", "int", OV, "", "89", 'r', 0, 0, 0);
  add(MALL, "mov Gb,Eb", "Mov_r8_rm8", "int", O8, "", "8a", 'r', 0, 0, 0);
  add(MALL, "mov Gv,Ev", "Mov_r#_rm#", "int", OV, "", "8b", 'r', 0, 0, 0);
  add(MALL, "mov Eb,Ib", "Mov_rm8_imm8", "int", O8, "", "c6", '0', IMM_B, 0, 0);
  add(MALL, "mov Ev,Iz", NULL, "int", OV, "", "c7", '0', IMM_Z, 0, 0);
  add(MALL, "mov Zb,Ib", NULL, "int", O8, "", "b0", 0, IMM_B, K_OPREG, 0);
  add(MALL, "mov Zv,Iv", NULL, "int", OV, "", "b8", 0, IMM_V, K_OPREG, 0);
  add(MALL, "mov AL,Ob", NULL, "int", O8, "", "a0", 0, 0, K_MOFFS, 0);
  add(MALL, "mov eAX,Ov", NULL, "int", OV, "", "a1", 0, 0, K_MOFFS, 0);
  add(MALL, "mov Ob,AL", NULL, "int", O8, "", "a2", 0, 0, K_MOFFS, 0);
  add(MALL, "mov Ov,eAX", NULL, "int", OV, "", "a3", 0, 0, K_MOFFS, 0);
  add(MALL, "movzx Gv,Eb", NULL, "int", OV, "", "0f b6", 'r', 0, 0, 0);
  add(MALL, "movzx Gv,Ew", NULL, "int", OV, "", "0f b7", 'r', 0, 0, 0);
  add(MALL, "movsx Gv,Eb", NULL, "int", OV, "", "0f be", 'r', 0, 0, 0);
  add(MALL, "movsx Gv,Ew", NULL, "int", OV, "", "0f bf", 'r', 0, 0, 0);
  add(M64, "movsxd Gv,Ed", NULL, "int", OV, "", "63", 'r', 0, 0, 0);
  add(MALL, "lea Gv,M", NULL, "int", OV, "", "8d", 'r', 0, K_MEMONLY | K_AVAR, 0);
  add(MALL, "xchg Eb,Gb", "Xchg_rm8_r8", "int", O8, "", "86", 'r', 0, 0, 0);
  add(MALL, "xchg Ev,Gv", "Xchg_rm#_r#", "int", OV, "", "87", 'r', 0, 0, 0);
  add(MALL, "xchg Zv,eAX", NULL, "int", OV, "", "90", 0, 0, K_OPREG, 0);
  add(MALL, "xadd Eb,Gb", "Xadd_rm8_r8", "int", O8, "", "0f c0", 'r', 0, 0, 0);
  add(MALL, "xadd Ev,Gv", "Xadd_rm#_r#", "int", OV, "", "0f c1", 'r', 0, 0, 0);
  add(MALL, "cmpxchg Eb,Gb", "Cmpxchg_rm8_r8", "int", O8, "", "0f b0", 'r', 0, 0, 0);
  add(MALL, "cmpxchg Ev,Gv", "Cmpxchg_rm#_r#", "int", OV, "", "0f b1", 'r', 0, 0, 0);
  add(MALL, "cmpxchg8b Mq", NULL, "int", O32, "", "0f c7", '1', 0, K_MEMONLY, 0);
  add(M64, "cmpxchg16b Mdq", NULL, "int", O64, "", "0f c7", '1', 0, K_CX16 | K_MEMONLY, 0);
  add(MALL, "bswap Zv", NULL, "int", OV3264, "", "0f c8", 0, 0, K_OPREG, 0);
  add(MALL, "movbe Gv,Mv", NULL, "int", OV, "", "0f 38 f0", 'r', 0, K_MEMONLY, 0);
  add(MALL, "movbe Mv,Gv", NULL, "int", OV, "", "0f 38 f1", 'r', 0, K_MEMONLY, 0);
  add(MALL, "adcx Gy,Ey", NULL, "int", OV3264, "66", "0f 38 f6", 'r', 0, 0, 0);
  add(MALL, "adox Gy,Ey", NULL, "int", OV3264, "f3", "0f 38 f6", 'r', 0, 0, 0);
  add(MALL, "crc32 Gd,Eb", NULL, "int", O32, "f2", "0f 38 f0", 'r', 0, 0, 0);
  add(MALL, "crc32 Gd,Ev", NULL, "int", OV, "f2", "0f 38 f1", 'r', 0, 0, 0);
  add(MALL, "cbw/cwde/cdqe", NULL, "int", OV, "", "98", 0, 0, 0, 0);
  add(MALL, "cwd/cdq/cqo", NULL, "int", OV, "", "99", 0, 0, 0, 0);
  add(MALL, "lahf", "Lahf", "int", O8, "", "9f", 0, 0, 0, 0);
  add(MALL, "sahf", "Sahf", "int", O8, "", "9e", 0, 0, 0, 0);
  add(MALL, "clc", "Clc", "int", O8, "", "f8", 0, 0, 0, 0);
  add(MALL, "stc", "Stc", "int", O8, "", "f9", 0, 0, 0, 0);
  add(MALL, "cmc", "Cmc", "int", O8, "", "f5", 0, 0, 0, 0);
  add(MALL, "cld", "Cld", "int", O8, "", "fc", 0, 0, 0, 0);
  add(MALL, "std", "Std", "int", O8, "", "fd", 0, 0, 0, 0);
  add(MALL, "xlat", NULL, "int", O8, "", "d7", 0, 0, K_AVAR, 0);
  add(MALL, "nop", NULL, "int", O8, "", "90", 0, 0, K_NOREX, 0);
  add(MALL, "nop Ev", NULL, "int", OV, "", "0f 1f", '0', 0, 0, 0);
  add(MALL, "pause", NULL, "int", O8, "f3", "90", 0, 0, K_NOREX, 0);
  /* segment-override prefixes: flat segments in 32-bit mode (a write through CS faults), the
     tool's 16-bit segments in 16-bit mode (CS base differs), ignored in 64-bit mode */
  static const struct { const char *p, *n; } so[4] = {{"26", "es:"}, {"2e", "cs:"}, {"36", "ss:"}, {"3e", "ds:"}};
  for (int i = 0; i < 4; i++) {
    snprintf(nm, 64, "mov Ev,Gv %s", so[i].n);
    add(MALL, nm, NULL, "int", OV, so[i].p, "89", 'r', 0, K_MEMONLY, 0);
    snprintf(nm, 64, "mov Gv,Ev %s", so[i].n);
    add(MALL, nm, NULL, "int", OV, so[i].p, "8b", 'r', 0, K_MEMONLY, 0);
  }
  add(MALL, "movs b cs:", NULL, "string", O8, "2e", "a4", 0, 0, K_STR, 0);
  add(MALL, "rep movs b es:", NULL, "string", O8, "f3 26", "a4", 0, 0, K_STR, 0);
  add(MNO64, "les Gv,Mp", NULL, "sys", OV, "", "c4", 'r', 0, K_MEMONLY, 0);
  add(MNO64, "lds Gv,Mp", NULL, "sys", OV, "", "c5", 'r', 0, K_MEMONLY, 0);
  add(MALL, "lss Gv,Mp", NULL, "sys", OV, "", "0f b2", 'r', 0, K_MEMONLY, 0);
  add(MNO64, "salc", NULL, "int", O8, "", "d6", 0, 0, 0, 0);
  add(MALL, "ud0 Gd,Ed", NULL, "sys", O32, "", "0f ff", 'r', 0, 0, 0);
  add(MALL, "movnti My,Gy", NULL, "int", OV3264, "", "0f c3", 'r', 0, K_MEMONLY, 0);
  add(MALL, "mov Ew,Sreg", NULL, "sys", O16, "", "8c", 'r', 0, K_SREG, 0);
  add(MALL, "mov Sreg,Ew", NULL, "sys", O16, "", "8e", 'r', 0, K_SREG, 0);
  /* ---- BCD (not in 64-bit mode) */
  add(MNO64, "daa", "Daa", "bcd", O8, "", "27", 0, 0, 0, F_OF);
  add(MNO64, "das", "Das", "bcd", O8, "", "2f", 0, 0, 0, F_OF);
  add(MNO64, "aaa", "Aaa", "bcd", O8, "", "37", 0, 0, 0, F_OF | F_SF | F_ZF | F_PF);
  add(MNO64, "aas", "Aas", "bcd", O8, "", "3f", 0, 0, 0, F_OF | F_SF | F_ZF | F_PF);
  add(MNO64, "aam Ib", "Aam_imm8", "bcd", O8, "", "d4", 0, IMM_B, 0, F_OF | F_AF | F_CF);
  add(MNO64, "aad Ib", "Aad_imm8", "bcd", O8, "", "d5", 0, IMM_B, 0, F_OF | F_AF | F_CF);
  add(M64, "daa (#UD in 64-bit)", NULL, "bcd", O8, "", "27", 0, 0, 0, 0);
  add(M64, "aam (#UD in 64-bit)", NULL, "bcd", O8, "", "d4", 0, IMM_B, 0, 0);
  /* ---- strings */
  static const char *sn[6] = {"movs", "cmps", "stos", "lods", "scas", "xlat?"};
  static const u8 sop[5] = {0xa4, 0xa6, 0xaa, 0xac, 0xae};
  for (int i = 0; i < 5; i++) {
    for (int w = 0; w < 2; w++) {
      for (int rep = 0; rep < 3; rep++) {
        if (rep == 2 && !(i == 1 || i == 4)) continue;
        snprintf(nm, 64, "%s%s %s", rep == 1 ? "rep " : rep == 2 ? "repne " : "", sn[i], w ? "v" : "b");
        snprintf(op, 32, "%02x", sop[i] + w);
        add(MALL, nm, NULL, "string", w ? OV : O8, rep == 1 ? "f3" : rep == 2 ? "f2" : "", op, 0, 0,
            K_STR | K_AVAR | (i == 1 || i == 4 ? K_CMPS : 0), (u16)0);
      }
    }
  }
  /* ---- branches */
  for (int c = 0; c < 16; c++) {
    snprintf(nm, 64, "j%s Jb", ccn[c]); snprintf(op, 32, "%02x", 0x70 + c);
    add(MALL, nm, NULL, "branch", O8, "", op, 0, IMM_B, K_REL | K_NOREX, 0);
    snprintf(nm, 64, "j%s Jz", ccn[c]); snprintf(op, 32, "0f %02x", 0x80 + c);
    add(MALL, nm, NULL, "branch", O8, "", op, 0, IMM_Z, K_REL | K_NOREX, 0);
  }
  add(MALL, "jmp Jb", NULL, "branch", O8, "", "eb", 0, IMM_B, K_REL | K_NOREX, 0);
  add(MALL, "jmp Jz", NULL, "branch", O8, "", "e9", 0, IMM_Z, K_REL | K_NOREX, 0);
  add(MALL, "call Jz", NULL, "branch", O8, "", "e8", 0, IMM_Z, K_REL | K_NOREX, 0);
  add(MALL, "loop Jb", NULL, "branch", O8, "", "e2", 0, IMM_B, K_REL | K_NOREX | K_AVAR, 0);
  add(MALL, "loope Jb", NULL, "branch", O8, "", "e1", 0, IMM_B, K_REL | K_NOREX, 0);
  add(MALL, "loopne Jb", NULL, "branch", O8, "", "e0", 0, IMM_B, K_REL | K_NOREX, 0);
  add(MALL, "jcxz Jb", NULL, "branch", O8, "", "e3", 0, IMM_B, K_REL | K_NOREX | K_AVAR, 0);
  add(MALL, "jmp Ev", NULL, "branch", OV, "", "ff", '4', 0, K_IND | K_D64, 0);
  add(MALL, "call Ev", NULL, "branch", OV, "", "ff", '2', 0, K_IND | K_D64, 0);
  add(MALL, "ret", NULL, "branch", OV, "", "c3", 0, 0, K_RET | K_D64 | K_NOREX, 0);
  add(MALL, "ret Iw", NULL, "branch", OV, "", "c2", 0, IMM_W, K_RET | K_D64 | K_NOREX, 0);
  /* ---- far transfers (same privilege) */
  add(MALL, "jmp far Mp", NULL, "far", OV, "", "ff", '5', 0, K_MEMONLY, 0);
  add(MALL, "call far Mp", NULL, "far", OV, "", "ff", '3', 0, K_MEMONLY, 0);
  add(MNO64, "jmp far Ap", NULL, "far", OV, "", "ea", 0, IMM_FAR, K_NOREX, 0);
  add(MNO64, "call far Ap", NULL, "far", OV, "", "9a", 0, IMM_FAR, K_NOREX, 0);
  add(MALL, "retf", NULL, "far", OV, "", "cb", 0, 0, 0, 0);
  add(MALL, "retf Iw", NULL, "far", OV, "", "ca", 0, IMM_W, 0, 0);
  add(MALL, "iret", NULL, "far", OV, "", "cf", 0, 0, 0, 0);
  /* ---- stack */
  add(MALL, "push Ev", NULL, "stack", OV, "", "ff", '6', 0, K_D64, 0);
  add(MALL, "pop Ev", NULL, "stack", OV, "", "8f", '0', 0, K_D64, 0);
  add(MALL, "push Zv", NULL, "stack", OV, "", "50", 0, 0, K_OPREG | K_D64, 0);
  add(MALL, "pop Zv", NULL, "stack", OV, "", "58", 0, 0, K_OPREG | K_D64, 0);
  add(MALL, "push Iz", NULL, "stack", OV, "", "68", 0, IMM_Z, K_D64, 0);
  add(MALL, "push Ib", NULL, "stack", OV, "", "6a", 0, IMM_B, K_D64, 0);
  add(MALL, "pushf", NULL, "sys", OV, "", "9c", 0, 0, K_D64 | K_NOREX, 0);
  add(MALL, "popf", NULL, "sys", OV, "", "9d", 0, 0, K_D64 | K_NOREX, 0);
  add(MNO64, "pusha", NULL, "stack", OV, "", "60", 0, 0, 0, 0);
  add(MNO64, "popa", NULL, "stack", OV, "", "61", 0, 0, 0, 0);
  add(MALL, "enter Iw,Ib", NULL, "stack", OV, "", "c8", 0, IMM_ENTER, K_D64 | K_NOREX, 0);
  add(MALL, "leave", NULL, "stack", OV, "", "c9", 0, 0, K_D64 | K_NOREX, 0);
  add(MNO64, "push es", NULL, "sys", OV, "", "06", 0, 0, 0, 0);
  add(MNO64, "push cs", NULL, "sys", OV, "", "0e", 0, 0, 0, 0);
  add(MNO64, "push ss", NULL, "sys", OV, "", "16", 0, 0, 0, 0);
  add(MNO64, "push ds", NULL, "sys", OV, "", "1e", 0, 0, 0, 0);
  add(MALL, "push fs", NULL, "sys", OV, "", "0f a0", 0, 0, K_D64 | K_NOREX, 0);
  add(MALL, "push gs", NULL, "sys", OV, "", "0f a8", 0, 0, K_D64 | K_NOREX, 0);
  add(MNO64, "pop es", NULL, "sys", OV, "", "07", 0, 0, K_POPSEG, 0);
  add(MNO64, "pop ds", NULL, "sys", OV, "", "1f", 0, 0, K_POPSEG, 0);
  add(MNO64, "pop ss", NULL, "sys", OV, "", "17", 0, 0, K_POPSEG, 0);
  /* ---- interrupts, traps, #UD */
  add(MALL, "int3", NULL, "sys", O8, "", "cc", 0, 0, K_NOREX, 0);
  add(MALL, "int Ib", NULL, "sys", O8, "", "cd", 0, IMM_B, K_INTN | K_NOREX, 0);
  add(MALL, "int1", NULL, "sys", O8, "", "f1", 0, 0, K_NOREX, 0);
  add(MNO64, "into", NULL, "sys", O8, "", "ce", 0, 0, 0, 0);
  add(MNO64, "bound Gv,Ma", NULL, "sys", OV, "", "62", 'r', 0, K_MEMONLY, 0);
  add(MNO64, "arpl Ew,Gw", NULL, "sys", O16, "", "63", 'r', 0, 0, 0);
  add(MALL, "ud2", NULL, "sys", O8, "", "0f 0b", 0, 0, K_NOREX, 0);
  add(MALL, "ud1 Gv,Ev", NULL, "sys", O32, "", "0f b9", 'r', 0, 0, 0);
  /* ---- privileged and sensitive at CPL 3 */
  add(MALL, "cli", NULL, "sys", O8, "", "fa", 0, 0, K_NOREX, 0);
  add(MALL, "sti", NULL, "sys", O8, "", "fb", 0, 0, K_NOREX, 0);
  add(MALL, "hlt", NULL, "sys", O8, "", "f4", 0, 0, K_NOREX, 0);
  add(MALL, "in AL,Ib", NULL, "sys", O8, "", "e4", 0, IMM_B, K_NOREX, 0);
  add(MALL, "in eAX,Ib", NULL, "sys", OV, "", "e5", 0, IMM_B, K_NOREX, 0);
  add(MALL, "in AL,DX", NULL, "sys", O8, "", "ec", 0, 0, K_NOREX, 0);
  add(MALL, "out Ib,AL", NULL, "sys", O8, "", "e6", 0, IMM_B, K_NOREX, 0);
  add(MALL, "out DX,eAX", NULL, "sys", OV, "", "ef", 0, 0, K_NOREX, 0);
  add(MALL, "insb", NULL, "sys", O8, "", "6c", 0, 0, K_STR | K_NOREX, 0);
  add(MALL, "outsb", NULL, "sys", O8, "", "6e", 0, 0, K_STR | K_NOREX, 0);
  add(MALL, "rep insb", NULL, "sys", O8, "f3", "6c", 0, 0, K_STR | K_NOREX, 0);
  add(MALL, "mov Rd,CRn", NULL, "sys", O32, "", "0f 20", 'r', 0, K_REGONLY, 0);
  add(MALL, "mov CRn,Rd", NULL, "sys", O32, "", "0f 22", 'r', 0, K_REGONLY, 0);
  add(MALL, "mov Rd,DRn", NULL, "sys", O32, "", "0f 21", 'r', 0, K_REGONLY, 0);
  add(MALL, "mov DRn,Rd", NULL, "sys", O32, "", "0f 23", 'r', 0, K_REGONLY, 0);
  add(MALL, "sgdt M", NULL, "sys", O32, "", "0f 01", '0', 0, K_MEMONLY, 0);
  add(MALL, "sidt M", NULL, "sys", O32, "", "0f 01", '1', 0, K_MEMONLY, 0);
  add(MALL, "lgdt M", NULL, "sys", O32, "", "0f 01", '2', 0, K_MEMONLY, 0);
  add(MALL, "lidt M", NULL, "sys", O32, "", "0f 01", '3', 0, K_MEMONLY, 0);
  add(MALL, "smsw Ev", NULL, "sys", OV, "", "0f 01", '4', 0, 0, 0);
  add(MALL, "lmsw Ew", NULL, "sys", O16, "", "0f 01", '6', 0, 0, 0);
  add(MALL, "invlpg M", NULL, "sys", O32, "", "0f 01", '7', 0, K_MEMONLY, 0);
  add(MALL, "sldt Ev", NULL, "sys", OV, "", "0f 00", '0', 0, 0, 0);
  add(MALL, "str Ev", NULL, "sys", OV, "", "0f 00", '1', 0, 0, 0);
  add(MALL, "lldt Ew", NULL, "sys", O16, "", "0f 00", '2', 0, 0, 0);
  add(MALL, "ltr Ew", NULL, "sys", O16, "", "0f 00", '3', 0, 0, 0);
  add(MALL, "verr Ew", NULL, "sys", O16, "", "0f 00", '4', 0, K_SREG, 0);
  add(MALL, "verw Ew", NULL, "sys", O16, "", "0f 00", '5', 0, K_SREG, 0);
  add(MALL, "lar Gv,Ew", NULL, "sys", OV, "", "0f 02", 'r', 0, K_SREG, 0);
  add(MALL, "lsl Gv,Ew", NULL, "sys", OV, "", "0f 03", 'r', 0, K_SREG, 0);
  add(MALL, "clts", NULL, "sys", O8, "", "0f 06", 0, 0, K_NOREX, 0);
  add(MALL, "invd", NULL, "sys", O8, "", "0f 08", 0, 0, K_NOREX, 0);
  add(MALL, "wbinvd", NULL, "sys", O8, "", "0f 09", 0, 0, K_NOREX, 0);
  add(MALL, "wrmsr", NULL, "sys", O8, "", "0f 30", 0, 0, K_NOREX, 0);
  add(MALL, "rdmsr", NULL, "sys", O8, "", "0f 32", 0, 0, K_NOREX, 0);
  add(MALL, "rdpmc", NULL, "sys", O8, "", "0f 33", 0, 0, K_NOREX, 0);
  add(MALL, "sysexit", NULL, "sys", O8, "", "0f 35", 0, 0, K_NOREX, 0);
  add(MALL, "sysret", NULL, "sys", O8, "", "0f 07", 0, 0, K_NOREX, 0);
  add(MALL, "rsm", NULL, "sys", O8, "", "0f aa", 0, 0, K_NOREX, 0);
  add(M64, "swapgs", NULL, "sys", O8, "", "0f 01 f8", 0, 0, K_NOREX, 0);
  add(MALL, "monitor", NULL, "sys", O8, "", "0f 01 c8", 0, 0, K_NOREX, 0);
  add(MALL, "mwait", NULL, "sys", O8, "", "0f 01 c9", 0, 0, K_NOREX, 0);
  add(MALL, "clac", NULL, "sys", O8, "", "0f 01 ca", 0, 0, K_NOREX, 0);
  add(MALL, "stac", NULL, "sys", O8, "", "0f 01 cb", 0, 0, K_NOREX, 0);
  add(MALL, "xsetbv", NULL, "sys", O8, "", "0f 01 d1", 0, 0, K_NOREX, 0);
  add(MALL, "xgetbv", NULL, "sys", O8, "", "0f 01 d0", 0, 0, K_NOREX, 0);
  add(MALL, "lfence", NULL, "int", O8, "", "0f ae e8", 0, 0, K_NOREX, 0);
  add(MALL, "mfence", NULL, "int", O8, "", "0f ae f0", 0, 0, K_NOREX, 0);
  add(MALL, "sfence", NULL, "int", O8, "", "0f ae f8", 0, 0, K_NOREX, 0);
  add(MALL, "clflush M", NULL, "int", O8, "", "0f ae", '7', 0, K_MEMONLY, 0);
  add(MALL, "prefetcht0 M", NULL, "int", O8, "", "0f 18", '1', 0, K_MEMONLY, 0);

  /* ---- x87 */
  static const char *farith[8] = {"fadd", "fmul", "fcom", "fcomp", "fsub", "fsubr", "fdiv", "fdivr"};
  for (int i = 0; i < 8; i++) {
    snprintf(nm, 64, "%s m32fp", farith[i]);
    add(MALL, nm, NULL, "x87", O32, "", "d8", (char)('0' + i), 0, K_FP | K_MEMONLY | K_FPMEM | K_NOREX, 0);
    snprintf(nm, 64, "%s ST,STi", farith[i]);
    add(MALL, nm, NULL, "x87", O32, "", "d8", (char)('0' + i), 0, K_FP | K_REGONLY | K_NOREX, 0);
    snprintf(nm, 64, "%s m64fp", farith[i]);
    add(MALL, nm, NULL, "x87", O32, "", "dc", (char)('0' + i), 0, K_FP | K_MEMONLY | K_FPMEM | K_NOREX, 0);
    if (i != 2 && i != 3) {
      snprintf(nm, 64, "%s STi,ST", farith[i]);
      add(MALL, nm, NULL, "x87", O32, "", "dc", (char)('0' + i), 0, K_FP | K_REGONLY | K_NOREX, 0);
      snprintf(nm, 64, "%sp STi,ST", farith[i]);
      add(MALL, nm, NULL, "x87", O32, "", "de", (char)('0' + i), 0, K_FP | K_REGONLY | K_NOREX, 0);
    }
    snprintf(nm, 64, "fi%s m32int", farith[i] + 1);
    add(MALL, nm, NULL, "x87", O32, "", "da", (char)('0' + i), 0, K_FP | K_MEMONLY | K_NOREX, 0);
    snprintf(nm, 64, "fi%s m16int", farith[i] + 1);
    add(MALL, nm, NULL, "x87", O32, "", "de", (char)('0' + i), 0, K_FP | K_MEMONLY | K_NOREX, 0);
  }
  add(MALL, "fld m32fp", NULL, "x87", O32, "", "d9", '0', 0, K_FP | K_MEMONLY | K_FPMEM | K_NOREX, 0);
  add(MALL, "fld STi", NULL, "x87", O32, "", "d9", '0', 0, K_FP | K_REGONLY | K_NOREX, 0);
  add(MALL, "fxch STi", NULL, "x87", O32, "", "d9", '1', 0, K_FP | K_REGONLY | K_NOREX, 0);
  add(MALL, "fst m32fp", NULL, "x87", O32, "", "d9", '2', 0, K_FP | K_MEMONLY | K_NOREX, 0);
  add(MALL, "fstp m32fp", NULL, "x87", O32, "", "d9", '3', 0, K_FP | K_MEMONLY | K_NOREX, 0);
  add(MALL, "fldenv m", NULL, "x87", O32, "", "d9", '4', 0, K_FP | K_MEMONLY | K_NOREX, 0);
  add(MALL, "fldcw m16", NULL, "x87", O32, "", "d9", '5', 0, K_FP | K_MEMONLY | K_NOREX, 0);
  add(MALL, "fnstenv m", NULL, "x87", O32, "", "d9", '6', 0, K_FP | K_MEMONLY | K_NOREX, 0);
  add(MALL, "fnstcw m16", NULL, "x87", O32, "", "d9", '7', 0, K_FP | K_MEMONLY | K_NOREX, 0);
  static const char *d9e[] = {"fchs", "fabs", NULL, NULL, "ftst", "fxam", NULL, NULL, "fld1", "fldl2t", "fldl2e", "fldpi", "fldlg2", "fldln2", "fldz", NULL,
                              "f2xm1", "fyl2x", "fptan", "fpatan", "fxtract", "fprem1", "fdecstp", "fincstp", "fprem", "fyl2xp1", "fsqrt", "fsincos", "frndint", "fscale", "fsin", "fcos"};
  for (int i = 0; i < 32; i++) {
    if (!d9e[i]) continue;
    snprintf(op, 32, "d9 %02x", 0xe0 + i);
    add(MALL, d9e[i], NULL, "x87", O32, "", op, 0, 0, K_FP | K_NOREX, 0);
  }
  add(MALL, "fnop", NULL, "x87", O32, "", "d9 d0", 0, 0, K_FP | K_NOREX, 0);
  add(MALL, "fild m32int", NULL, "x87", O32, "", "db", '0', 0, K_FP | K_MEMONLY | K_NOREX, 0);
  add(MALL, "fisttp m32int", NULL, "x87", O32, "", "db", '1', 0, K_FP | K_MEMONLY | K_NOREX, 0);
  add(MALL, "fist m32int", NULL, "x87", O32, "", "db", '2', 0, K_FP | K_MEMONLY | K_NOREX, 0);
  add(MALL, "fistp m32int", NULL, "x87", O32, "", "db", '3', 0, K_FP | K_MEMONLY | K_NOREX, 0);
  add(MALL, "fld m80fp", NULL, "x87", O32, "", "db", '5', 0, K_FP | K_MEMONLY | K_FPMEM | K_NOREX, 0);
  add(MALL, "fstp m80fp", NULL, "x87", O32, "", "db", '7', 0, K_FP | K_MEMONLY | K_NOREX, 0);
  add(MALL, "fnclex", NULL, "x87", O32, "", "db e2", 0, 0, K_FP | K_NOREX, 0);
  add(MALL, "fninit", NULL, "x87", O32, "", "db e3", 0, 0, K_FP | K_NOREX, 0);
  add(MALL, "fucomi ST,STi", NULL, "x87", O32, "", "db", '5', 0, K_FP | K_REGONLY | K_NOREX, 0);
  add(MALL, "fcomi ST,STi", NULL, "x87", O32, "", "db", '6', 0, K_FP | K_REGONLY | K_NOREX, 0);
  add(MALL, "fucomip ST,STi", NULL, "x87", O32, "", "df", '5', 0, K_FP | K_REGONLY | K_NOREX, 0);
  add(MALL, "fcomip ST,STi", NULL, "x87", O32, "", "df", '6', 0, K_FP | K_REGONLY | K_NOREX, 0);
  static const char *fcm[8] = {"fcmovb", "fcmove", "fcmovbe", "fcmovu", "fcmovnb", "fcmovne", "fcmovnbe", "fcmovnu"};
  for (int i = 0; i < 8; i++) add(MALL, fcm[i], NULL, "x87", O32, "", i < 4 ? "da" : "db", (char)('0' + (i & 3)), 0, K_FP | K_REGONLY | K_NOREX, 0);
  add(MALL, "fld m64fp", NULL, "x87", O32, "", "dd", '0', 0, K_FP | K_MEMONLY | K_FPMEM | K_NOREX, 0);
  add(MALL, "fisttp m64int", NULL, "x87", O32, "", "dd", '1', 0, K_FP | K_MEMONLY | K_NOREX, 0);
  add(MALL, "fst m64fp", NULL, "x87", O32, "", "dd", '2', 0, K_FP | K_MEMONLY | K_NOREX, 0);
  add(MALL, "fstp m64fp", NULL, "x87", O32, "", "dd", '3', 0, K_FP | K_MEMONLY | K_NOREX, 0);
  add(MALL, "frstor m", NULL, "x87", O32, "", "dd", '4', 0, K_FP | K_MEMONLY | K_NOREX, 0);
  add(MALL, "fnsave m", NULL, "x87", O32, "", "dd", '6', 0, K_FP | K_MEMONLY | K_NOREX, 0);
  add(MALL, "fnstsw m16", NULL, "x87", O32, "", "dd", '7', 0, K_FP | K_MEMONLY | K_NOREX, 0);
  add(MALL, "ffree STi", NULL, "x87", O32, "", "dd", '0', 0, K_FP | K_REGONLY | K_NOREX, 0);
  add(MALL, "fst STi", NULL, "x87", O32, "", "dd", '2', 0, K_FP | K_REGONLY | K_NOREX, 0);
  add(MALL, "fstp STi", NULL, "x87", O32, "", "dd", '3', 0, K_FP | K_REGONLY | K_NOREX, 0);
  add(MALL, "fucom STi", NULL, "x87", O32, "", "dd", '4', 0, K_FP | K_REGONLY | K_NOREX, 0);
  add(MALL, "fucomp STi", NULL, "x87", O32, "", "dd", '5', 0, K_FP | K_REGONLY | K_NOREX, 0);
  add(MALL, "fcompp", NULL, "x87", O32, "", "de d9", 0, 0, K_FP | K_NOREX, 0);
  add(MALL, "fucompp", NULL, "x87", O32, "", "da e9", 0, 0, K_FP | K_NOREX, 0);
  add(MALL, "fild m16int", NULL, "x87", O32, "", "df", '0', 0, K_FP | K_MEMONLY | K_NOREX, 0);
  add(MALL, "fisttp m16int", NULL, "x87", O32, "", "df", '1', 0, K_FP | K_MEMONLY | K_NOREX, 0);
  add(MALL, "fist m16int", NULL, "x87", O32, "", "df", '2', 0, K_FP | K_MEMONLY | K_NOREX, 0);
  add(MALL, "fistp m16int", NULL, "x87", O32, "", "df", '3', 0, K_FP | K_MEMONLY | K_NOREX, 0);
  add(MALL, "fbld m80bcd", NULL, "x87", O32, "", "df", '4', 0, K_FP | K_MEMONLY | K_NOREX, 0);
  add(MALL, "fild m64int", NULL, "x87", O32, "", "df", '5', 0, K_FP | K_MEMONLY | K_NOREX, 0);
  add(MALL, "fbstp m80bcd", NULL, "x87", O32, "", "df", '6', 0, K_FP | K_MEMONLY | K_NOREX, 0);
  add(MALL, "fistp m64int", NULL, "x87", O32, "", "df", '7', 0, K_FP | K_MEMONLY | K_NOREX, 0);
  add(MALL, "fnstsw AX", NULL, "x87", O32, "", "df e0", 0, 0, K_FP | K_NOREX, 0);

  /* ---- MMX and SSE integer: same opcode, NP = MMX, 66 = XMM */
  static const struct { const char *n; const char *op; int imm; int mmx; } vi[] = {
      {"punpcklbw", "0f 60", 0, 1}, {"punpcklwd", "0f 61", 0, 1}, {"punpckldq", "0f 62", 0, 1}, {"packsswb", "0f 63", 0, 1},
      {"pcmpgtb", "0f 64", 0, 1}, {"pcmpgtw", "0f 65", 0, 1}, {"pcmpgtd", "0f 66", 0, 1}, {"packuswb", "0f 67", 0, 1},
      {"punpckhbw", "0f 68", 0, 1}, {"punpckhwd", "0f 69", 0, 1}, {"punpckhdq", "0f 6a", 0, 1}, {"packssdw", "0f 6b", 0, 1},
      {"punpcklqdq", "0f 6c", 0, 0}, {"punpckhqdq", "0f 6d", 0, 0}, {"movq/movdqa load", "0f 6f", 0, 1},
      {"pshufw/pshufd", "0f 70", 1, 1}, {"pcmpeqb", "0f 74", 0, 1}, {"pcmpeqw", "0f 75", 0, 1}, {"pcmpeqd", "0f 76", 0, 1},
      {"movq/movdqa store", "0f 7f", 0, 1}, {"psrlw", "0f d1", 0, 1}, {"psrld", "0f d2", 0, 1}, {"psrlq", "0f d3", 0, 1},
      {"paddq", "0f d4", 0, 1}, {"pmullw", "0f d5", 0, 1}, {"psubusb", "0f d8", 0, 1}, {"psubusw", "0f d9", 0, 1},
      {"pminub", "0f da", 0, 1}, {"pand", "0f db", 0, 1}, {"paddusb", "0f dc", 0, 1}, {"paddusw", "0f dd", 0, 1},
      {"pmaxub", "0f de", 0, 1}, {"pandn", "0f df", 0, 1}, {"pavgb", "0f e0", 0, 1}, {"psraw", "0f e1", 0, 1},
      {"psrad", "0f e2", 0, 1}, {"pavgw", "0f e3", 0, 1}, {"pmulhuw", "0f e4", 0, 1}, {"pmulhw", "0f e5", 0, 1},
      {"psubsb", "0f e8", 0, 1}, {"psubsw", "0f e9", 0, 1}, {"pminsw", "0f ea", 0, 1}, {"por", "0f eb", 0, 1},
      {"paddsb", "0f ec", 0, 1}, {"paddsw", "0f ed", 0, 1}, {"pmaxsw", "0f ee", 0, 1}, {"pxor", "0f ef", 0, 1},
      {"psllw", "0f f1", 0, 1}, {"pslld", "0f f2", 0, 1}, {"psllq", "0f f3", 0, 1}, {"pmuludq", "0f f4", 0, 1},
      {"pmaddwd", "0f f5", 0, 1}, {"psadbw", "0f f6", 0, 1}, {"psubb", "0f f8", 0, 1}, {"psubw", "0f f9", 0, 1},
      {"psubd", "0f fa", 0, 1}, {"psubq", "0f fb", 0, 1}, {"paddb", "0f fc", 0, 1}, {"paddw", "0f fd", 0, 1},
      {"paddd", "0f fe", 0, 1},
      {"pshufb", "0f 38 00", 0, 1}, {"phaddw", "0f 38 01", 0, 1}, {"phaddd", "0f 38 02", 0, 1}, {"phaddsw", "0f 38 03", 0, 1},
      {"pmaddubsw", "0f 38 04", 0, 1}, {"phsubw", "0f 38 05", 0, 1}, {"phsubd", "0f 38 06", 0, 1}, {"phsubsw", "0f 38 07", 0, 1},
      {"psignb", "0f 38 08", 0, 1}, {"psignw", "0f 38 09", 0, 1}, {"psignd", "0f 38 0a", 0, 1}, {"pmulhrsw", "0f 38 0b", 0, 1},
      {"pabsb", "0f 38 1c", 0, 1}, {"pabsw", "0f 38 1d", 0, 1}, {"pabsd", "0f 38 1e", 0, 1}, {"palignr", "0f 3a 0f", 1, 1},
  };
  for (size_t i = 0; i < sizeof vi / sizeof vi[0]; i++) {
    if (vi[i].mmx) {
      snprintf(nm, 64, "%s Pq,Qq", vi[i].n);
      add(MALL, nm, NULL, "mmx", O_NA, "", vi[i].op, 'r', vi[i].imm ? IMM_B : 0, K_FP | K_MMXV, 0);
    }
    snprintf(nm, 64, "%s Vx,Wx", vi[i].n);
    add(MALL, nm, NULL, "sse", O_NA, "66", vi[i].op, 'r', vi[i].imm ? IMM_B : 0, K_SSE, 0);
  }
  static const char *mshift[3][3] = {{"psrlw Ib", "psraw Ib", "psllw Ib"}, {"psrld Ib", "psrad Ib", "pslld Ib"}, {"psrlq Ib", NULL, "psllq Ib"}};
  for (int g = 0; g < 3; g++)
    for (int j = 0; j < 3; j++) {
      if (!mshift[g][j]) continue;
      snprintf(op, 32, "0f %02x", 0x71 + g);
      snprintf(nm, 64, "%s (mmx)", mshift[g][j]);
      add(MALL, nm, NULL, "mmx", O_NA, "", op, (char)('2' + 2 * j), IMM_B, K_FP | K_MMXV | K_REGONLY, 0);
      snprintf(nm, 64, "%s (xmm)", mshift[g][j]);
      add(MALL, nm, NULL, "sse", O_NA, "66", op, (char)('2' + 2 * j), IMM_B, K_SSE | K_REGONLY, 0);
    }
  add(MALL, "psrldq Ib", NULL, "sse", O_NA, "66", "0f 73", '3', IMM_B, K_SSE | K_REGONLY, 0);
  add(MALL, "pslldq Ib", NULL, "sse", O_NA, "66", "0f 73", '7', IMM_B, K_SSE | K_REGONLY, 0);
  add(MALL, "movd Pq,Ed", NULL, "mmx", O_NA, "", "0f 6e", 'r', 0, K_FP | K_MMXV, 0);
  add(MALL, "movd Ed,Pq", NULL, "mmx", O_NA, "", "0f 7e", 'r', 0, K_FP | K_MMXV, 0);
  add(MALL, "emms", NULL, "mmx", O_NA, "", "0f 77", 0, 0, K_FP | K_MMXV, 0);
  add(MALL, "pmovmskb Gd,Nq", NULL, "mmx", O_NA, "", "0f d7", 'r', 0, K_FP | K_MMXV | K_REGONLY, 0);
  add(MALL, "pextrw Gd,Nq,Ib", NULL, "mmx", O_NA, "", "0f c5", 'r', IMM_B, K_FP | K_MMXV | K_REGONLY, 0);
  add(MALL, "pinsrw Pq,Ew,Ib", NULL, "mmx", O_NA, "", "0f c4", 'r', IMM_B, K_FP | K_MMXV, 0);
  add(MALL, "movd Vx,Ed", NULL, "sse", O_NA, "66", "0f 6e", 'r', 0, K_SSE, 0);
  add(MALL, "movd Ed,Vx", NULL, "sse", O_NA, "66", "0f 7e", 'r', 0, K_SSE, 0);
  add(MALL, "movq Vx,Wq", NULL, "sse", O_NA, "f3", "0f 7e", 'r', 0, K_SSE, 0);
  add(MALL, "movq Wq,Vx", NULL, "sse", O_NA, "66", "0f d6", 'r', 0, K_SSE, 0);
  add(MALL, "movdqu Vx,Wx", NULL, "sse", O_NA, "f3", "0f 6f", 'r', 0, K_SSE, 0);
  add(MALL, "pshufhw Vx,Wx,Ib", NULL, "sse", O_NA, "f3", "0f 70", 'r', IMM_B, K_SSE, 0);
  add(MALL, "pshuflw Vx,Wx,Ib", NULL, "sse", O_NA, "f2", "0f 70", 'r', IMM_B, K_SSE, 0);
  add(MALL, "pmovmskb Gd,Ux", NULL, "sse", O_NA, "66", "0f d7", 'r', 0, K_SSE | K_REGONLY, 0);
  add(MALL, "pextrw Gd,Ux,Ib", NULL, "sse", O_NA, "66", "0f c5", 'r', IMM_B, K_SSE | K_REGONLY, 0);
  add(MALL, "pinsrw Vx,Ew,Ib", NULL, "sse", O_NA, "66", "0f c4", 'r', IMM_B, K_SSE, 0);
  /* SSE/SSE2 floating point: NP ps, 66 pd, F3 ss, F2 sd */
  static const struct { const char *n; const char *op; int ps, pd, ss, sd, imm; } vf[] = {
      {"movu", "0f 10", 1, 1, 1, 1, 0}, {"movu(st)", "0f 11", 1, 1, 1, 1, 0}, {"mova", "0f 28", 1, 1, 0, 0, 0},
      {"mova(st)", "0f 29", 1, 1, 0, 0, 0}, {"ucomi", "0f 2e", 1, 1, 0, 0, 0}, {"comi", "0f 2f", 1, 1, 0, 0, 0},
      {"sqrt", "0f 51", 1, 1, 1, 1, 0}, {"rsqrt", "0f 52", 1, 0, 1, 0, 0}, {"rcp", "0f 53", 1, 0, 1, 0, 0},
      {"and", "0f 54", 1, 1, 0, 0, 0}, {"andn", "0f 55", 1, 1, 0, 0, 0}, {"or", "0f 56", 1, 1, 0, 0, 0},
      {"xor", "0f 57", 1, 1, 0, 0, 0}, {"add", "0f 58", 1, 1, 1, 1, 0}, {"mul", "0f 59", 1, 1, 1, 1, 0},
      {"cvt(5a)", "0f 5a", 1, 1, 1, 1, 0}, {"cvt(5b)", "0f 5b", 1, 1, 1, 0, 0}, {"sub", "0f 5c", 1, 1, 1, 1, 0},
      {"min", "0f 5d", 1, 1, 1, 1, 0}, {"div", "0f 5e", 1, 1, 1, 1, 0}, {"max", "0f 5f", 1, 1, 1, 1, 0},
      {"cmp", "0f c2", 1, 1, 1, 1, 1}, {"shuf", "0f c6", 1, 1, 0, 0, 1}, {"unpckl", "0f 14", 1, 1, 0, 0, 0},
      {"unpckh", "0f 15", 1, 1, 0, 0, 0}, {"cvt(e6)", "0f e6", 0, 1, 1, 1, 0}, {"addsub", "0f d0", 0, 1, 0, 1, 0},
      {"hadd", "0f 7c", 0, 1, 0, 1, 0}, {"hsub", "0f 7d", 0, 1, 0, 1, 0},
  };
  for (size_t i = 0; i < sizeof vf / sizeof vf[0]; i++) {
    static const char *sfx[4] = {"ps", "pd", "ss", "sd"};
    static const char *pf[4] = {"", "66", "f3", "f2"};
    int en[4] = {vf[i].ps, vf[i].pd, vf[i].ss, vf[i].sd};
    for (int j = 0; j < 4; j++) {
      if (!en[j]) continue;
      snprintf(nm, 64, "%s%s", vf[i].n, sfx[j]);
      add(MALL, nm, NULL, "sse", O_NA, pf[j], vf[i].op, 'r', vf[i].imm ? IMM_B : 0, K_SSE | K_FPMEM, 0);
    }
  }
  add(MALL, "cvtsi2ss Vx,Ey", NULL, "sse", OV3264, "f3", "0f 2a", 'r', 0, K_SSE, 0);
  add(MALL, "cvtsi2sd Vx,Ey", NULL, "sse", OV3264, "f2", "0f 2a", 'r', 0, K_SSE, 0);
  add(MALL, "cvttss2si Gy,Wss", NULL, "sse", OV3264, "f3", "0f 2c", 'r', 0, K_SSE | K_FPMEM, 0);
  add(MALL, "cvttsd2si Gy,Wsd", NULL, "sse", OV3264, "f2", "0f 2c", 'r', 0, K_SSE | K_FPMEM, 0);
  add(MALL, "cvtss2si Gy,Wss", NULL, "sse", OV3264, "f3", "0f 2d", 'r', 0, K_SSE | K_FPMEM, 0);
  add(MALL, "cvtsd2si Gy,Wsd", NULL, "sse", OV3264, "f2", "0f 2d", 'r', 0, K_SSE | K_FPMEM, 0);
  add(MALL, "movlps/movhlps", NULL, "sse", O_NA, "", "0f 12", 'r', 0, K_SSE, 0);
  add(MALL, "movlps Mq,Vx", NULL, "sse", O_NA, "", "0f 13", 'r', 0, K_SSE | K_MEMONLY, 0);
  add(MALL, "movhps/movlhps", NULL, "sse", O_NA, "", "0f 16", 'r', 0, K_SSE, 0);
  add(MALL, "movhps Mq,Vx", NULL, "sse", O_NA, "", "0f 17", 'r', 0, K_SSE | K_MEMONLY, 0);
  add(MALL, "movlpd Vx,Mq", NULL, "sse", O_NA, "66", "0f 12", 'r', 0, K_SSE | K_MEMONLY, 0);
  add(MALL, "movhpd Vx,Mq", NULL, "sse", O_NA, "66", "0f 16", 'r', 0, K_SSE | K_MEMONLY, 0);
  add(MALL, "movntdq Mx,Vx", NULL, "sse", O_NA, "66", "0f e7", 'r', 0, K_SSE | K_MEMONLY, 0);
  add(MALL, "movntps Mx,Vx", NULL, "sse", O_NA, "", "0f 2b", 'r', 0, K_SSE | K_MEMONLY, 0);
  add(MALL, "movdq2q Pq,Ux", NULL, "sse", O_NA, "f2", "0f d6", 'r', 0, K_SSE | K_FP | K_REGONLY, 0);
  add(MALL, "movq2dq Vx,Nq", NULL, "sse", O_NA, "f3", "0f d6", 'r', 0, K_SSE | K_FP | K_MMXV | K_REGONLY, 0);
  add(MALL, "cvtpi2ps Vx,Qq", NULL, "sse", O_NA, "", "0f 2a", 'r', 0, K_SSE | K_FP | K_MMXV, 0);
  add(MALL, "cvtps2pi Pq,Wq", NULL, "sse", O_NA, "", "0f 2d", 'r', 0, K_SSE | K_FP | K_FPMEM, 0);
  add(MALL, "cvttpd2pi Pq,Wx", NULL, "sse", O_NA, "66", "0f 2c", 'r', 0, K_SSE | K_FP | K_FPMEM, 0);
  add(MALL, "cvtpi2pd Vx,Qq", NULL, "sse", O_NA, "66", "0f 2a", 'r', 0, K_SSE | K_FP | K_MMXV, 0);
  add(MALL, "movmskps Gd,Ux", NULL, "sse", O_NA, "", "0f 50", 'r', 0, K_SSE | K_REGONLY, 0);
  add(MALL, "movmskpd Gd,Ux", NULL, "sse", O_NA, "66", "0f 50", 'r', 0, K_SSE | K_REGONLY, 0);
  add(MALL, "movddup", NULL, "sse", O_NA, "f2", "0f 12", 'r', 0, K_SSE, 0);
  add(MALL, "movshdup", NULL, "sse", O_NA, "f3", "0f 16", 'r', 0, K_SSE, 0);
  add(MALL, "movsldup", NULL, "sse", O_NA, "f3", "0f 12", 'r', 0, K_SSE, 0);
  add(MALL, "lddqu Vx,M", NULL, "sse", O_NA, "f2", "0f f0", 'r', 0, K_SSE | K_MEMONLY, 0);
  add(MALL, "ldmxcsr M", NULL, "sse", O_NA, "", "0f ae", '2', 0, K_SSE | K_MEMONLY, 0);
  add(MALL, "stmxcsr M", NULL, "sse", O_NA, "", "0f ae", '3', 0, K_SSE | K_MEMONLY, 0);
  add(MALL, "fxsave M", NULL, "sse", O_NA, "", "0f ae", '0', 0, K_SSE | K_MEMONLY, 0);
  add(MALL, "fxrstor M", NULL, "sse", O_NA, "", "0f ae", '1', 0, K_SSE | K_MEMONLY, 0);
  /* SSE4.1 / 4.2 */
  static const struct { const char *n; const char *op; int imm; } v4[] = {
      {"pblendvb", "0f 38 10", 0}, {"blendvps", "0f 38 14", 0}, {"blendvpd", "0f 38 15", 0}, {"ptest", "0f 38 17", 0},
      {"pmovsxbw", "0f 38 20", 0}, {"pmovsxbd", "0f 38 21", 0}, {"pmovsxbq", "0f 38 22", 0}, {"pmovsxwd", "0f 38 23", 0},
      {"pmovsxwq", "0f 38 24", 0}, {"pmovsxdq", "0f 38 25", 0}, {"pmuldq", "0f 38 28", 0}, {"pcmpeqq", "0f 38 29", 0},
      {"packusdw", "0f 38 2b", 0}, {"pmovzxbw", "0f 38 30", 0}, {"pmovzxbd", "0f 38 31", 0}, {"pmovzxbq", "0f 38 32", 0},
      {"pmovzxwd", "0f 38 33", 0}, {"pmovzxwq", "0f 38 34", 0}, {"pmovzxdq", "0f 38 35", 0}, {"pcmpgtq", "0f 38 37", 0},
      {"pminsb", "0f 38 38", 0}, {"pminsd", "0f 38 39", 0}, {"pminuw", "0f 38 3a", 0}, {"pminud", "0f 38 3b", 0},
      {"pmaxsb", "0f 38 3c", 0}, {"pmaxsd", "0f 38 3d", 0}, {"pmaxuw", "0f 38 3e", 0}, {"pmaxud", "0f 38 3f", 0},
      {"pmulld", "0f 38 40", 0}, {"phminposuw", "0f 38 41", 0}, {"aesenc", "0f 38 dc", 0}, {"aesenclast", "0f 38 dd", 0},
      {"aesdec", "0f 38 de", 0}, {"aesdeclast", "0f 38 df", 0}, {"aesimc", "0f 38 db", 0},
      {"roundps", "0f 3a 08", 1}, {"roundpd", "0f 3a 09", 1}, {"roundss", "0f 3a 0a", 1}, {"roundsd", "0f 3a 0b", 1},
      {"blendps", "0f 3a 0c", 1}, {"blendpd", "0f 3a 0d", 1}, {"pblendw", "0f 3a 0e", 1}, {"pextrb Ed", "0f 3a 14", 1},
      {"pextrw Ed", "0f 3a 15", 1}, {"pextrd Ed", "0f 3a 16", 1}, {"extractps Ed", "0f 3a 17", 1}, {"pinsrb", "0f 3a 20", 1},
      {"insertps", "0f 3a 21", 1}, {"pinsrd", "0f 3a 22", 1}, {"dpps", "0f 3a 40", 1}, {"dppd", "0f 3a 41", 1},
      {"mpsadbw", "0f 3a 42", 1}, {"pclmulqdq", "0f 3a 44", 1}, {"pcmpestrm", "0f 3a 60", 1}, {"pcmpestri", "0f 3a 61", 1},
      {"pcmpistrm", "0f 3a 62", 1}, {"pcmpistri", "0f 3a 63", 1}, {"aeskeygenassist", "0f 3a df", 1},
  };
  for (size_t i = 0; i < sizeof v4 / sizeof v4[0]; i++)
    add(MALL, v4[i].n, NULL, "sse4", O_NA, "66", v4[i].op, 'r', v4[i].imm ? IMM_B : 0, K_SSE | (strncmp(v4[i].n, "round", 5) == 0 || strncmp(v4[i].n, "dpp", 3) == 0 ? K_FPMEM : 0), 0);

  /* ---- VEX: BMI1/BMI2 (GPR) and a set of AVX/AVX2 forms */
  addvex(M3264, "andn Gy,By,Ey", "bmi", 2, 0, 0, -1, "f2", 'r', 0, 0, F_AF | F_PF, 1);
  addvex(M3264, "bextr Gy,Ey,By", "bmi", 2, 0, 0, -1, "f7", 'r', 0, 0, F_AF | F_SF | F_PF, 1);
  addvex(M3264, "blsr By,Ey", "bmi", 2, 0, 0, -1, "f3", '1', 0, 0, F_AF | F_PF, 1);
  addvex(M3264, "blsmsk By,Ey", "bmi", 2, 0, 0, -1, "f3", '2', 0, 0, F_AF | F_PF, 1);
  addvex(M3264, "blsi By,Ey", "bmi", 2, 0, 0, -1, "f3", '3', 0, 0, F_AF | F_PF, 1);
  addvex(M3264, "bzhi Gy,Ey,By", "bmi", 2, 0, 0, -1, "f5", 'r', 0, 0, F_AF | F_PF, 1);
  addvex(M3264, "pdep Gy,By,Ey", "bmi", 2, 3, 0, -1, "f5", 'r', 0, 0, 0, 1);
  addvex(M3264, "pext Gy,By,Ey", "bmi", 2, 2, 0, -1, "f5", 'r', 0, 0, 0, 1);
  addvex(M3264, "mulx Gy,By,Ey", "bmi", 2, 3, 0, -1, "f6", 'r', 0, 0, 0, 1);
  addvex(M3264, "rorx Gy,Ey,Ib", "bmi", 3, 3, 0, -1, "f0", 'r', IMM_B, K_NOVVVV, 0, 1);
  addvex(M3264, "sarx Gy,Ey,By", "bmi", 2, 2, 0, -1, "f7", 'r', 0, 0, 0, 1);
  addvex(M3264, "shlx Gy,Ey,By", "bmi", 2, 1, 0, -1, "f7", 'r', 0, 0, 0, 1);
  addvex(M3264, "shrx Gy,Ey,By", "bmi", 2, 3, 0, -1, "f7", 'r', 0, 0, 0, 1);
  static const struct { const char *n; int map, pp; const char *op; int imm; u32 k; } av[] = {
      {"vpaddb", 1, 1, "fc", 0, 0}, {"vpaddw", 1, 1, "fd", 0, 0}, {"vpaddd", 1, 1, "fe", 0, 0}, {"vpaddq", 1, 1, "d4", 0, 0},
      {"vpsubb", 1, 1, "f8", 0, 0}, {"vpsubq", 1, 1, "fb", 0, 0}, {"vpmullw", 1, 1, "d5", 0, 0}, {"vpmulld", 2, 1, "40", 0, 0},
      {"vpand", 1, 1, "db", 0, 0}, {"vpor", 1, 1, "eb", 0, 0}, {"vpxor", 1, 1, "ef", 0, 0}, {"vpcmpeqb", 1, 1, "74", 0, 0},
      {"vpcmpgtd", 1, 1, "66", 0, 0}, {"vpshufb", 2, 1, "00", 0, 0}, {"vpermd", 2, 1, "36", 0, 0}, {"vpermq", 3, 1, "00", 1, 0},
      {"vperm2i128", 3, 1, "46", 1, 0}, {"vpsllvd", 2, 1, "47", 0, 0}, {"vpsrlvd", 2, 1, "45", 0, 0}, {"vpsravd", 2, 1, "46", 0, 0},
      {"vpblendd", 3, 1, "02", 1, 0}, {"vpbroadcastb", 2, 1, "78", 0, 0}, {"vpbroadcastd", 2, 1, "58", 0, 0},
      {"vpmovzxbw", 2, 1, "30", 0, 0}, {"vpmaddwd", 1, 1, "f5", 0, 0}, {"vpsadbw", 1, 1, "f6", 0, 0}, {"vpacksswb", 1, 1, "63", 0, 0},
      {"vpunpcklbw", 1, 1, "60", 0, 0}, {"vpalignr", 3, 1, "0f", 1, 0}, {"vpminud", 2, 1, "3b", 0, 0},
      {"vaddps", 1, 0, "58", 0, K_FPMEM}, {"vmulpd", 1, 1, "59", 0, K_FPMEM}, {"vdivps", 1, 0, "5e", 0, K_FPMEM},
      {"vsqrtpd", 1, 1, "51", 0, K_FPMEM}, {"vmaxps", 1, 0, "5f", 0, K_FPMEM}, {"vcmpps", 1, 0, "c2", 1, K_FPMEM},
      {"vfmadd231ps", 2, 1, "b8", 0, K_FPMEM}, {"vfmadd132pd", 2, 1, "98", 0, K_FPMEM}, {"vfnmsub213ps", 2, 1, "ae", 0, K_FPMEM},
      {"vcvtps2pd", 1, 0, "5a", 0, K_FPMEM}, {"vcvtph2ps", 2, 1, "13", 0, 0}, {"vroundps", 3, 1, "08", 1, K_FPMEM},
      {"vmovdqu load", 1, 2, "6f", 0, 0}, {"vmovdqa load", 1, 1, "6f", 0, 0}, {"vmovdqu store", 1, 2, "7f", 0, 0},
      {"vptest", 2, 1, "17", 0, 0}, {"vpmovmskb", 1, 1, "d7", 0, K_REGONLY}, {"vextracti128", 3, 1, "39", 1, 0},
      {"vinserti128", 3, 1, "38", 1, 0},
  };
  for (size_t i = 0; i < sizeof av / sizeof av[0]; i++) {
    int Ls = strcmp(av[i].n, "vperm2i128") == 0 || strcmp(av[i].n, "vpermd") == 0 || strcmp(av[i].n, "vpermq") == 0 ||
             strcmp(av[i].n, "vextracti128") == 0 || strcmp(av[i].n, "vinserti128") == 0;
    for (int L = Ls ? 1 : 0; L < 2; L++) {
      int W = strncmp(av[i].n, "vfmadd132pd", 11) == 0 || strcmp(av[i].n, "vpermq") == 0 ? 1 : 0;
      snprintf(nm, 64, "%s %s", av[i].n, L ? "ymm" : "xmm");
      static const char *two[] = {"vpermq", "vptest", "vpbroadcastb", "vpbroadcastd", "vpmovzxbw", "vsqrtpd", "vcvtps2pd",
                                  "vcvtph2ps", "vroundps", "vmovdqu load", "vmovdqa load", "vmovdqu store", "vpmovmskb",
                                  "vextracti128", NULL};
      u32 nv = 0;
      for (int j = 0; two[j]; j++)
        if (strcmp(av[i].n, two[j]) == 0) nv = K_NOVVVV;
      addvex(M3264, nm, L ? "avx2" : "avx", av[i].map, av[i].pp, L, W, av[i].op, 'r', av[i].imm ? IMM_B : 0,
             K_SSE | K_AVX | av[i].k | nv, 0, 0);
    }
  }
}

/* ---------------------------------------------------------------- test generation */

typedef struct {
  u8 code[32];
  int len;
  cpu_t in;
  u8 img[8192];  /* initial contents of the two data pages */
  u8 set[8192];  /* 1 = byte is listed in the test's initial memory */
  int p1perm;    /* 0 rw, 1 r, 2 none */
  u16 uf;
  int udest;
  int hasfp, hasavx;
  u64 memv;
} test_t;

static u64 g_ipbase; /* linear address of the instruction */

static int defasz(void) { return g_mode == 16 ? 16 : g_mode; }
static u64 g_cs_flat; /* CS selector of the flat code segment of this process */

/* linear address -> the address the instruction uses (offset in 16-bit mode) */
static u64 lin2off(u64 lin) { return g_mode == 16 ? lin - SEG16_BASE : lin; }
/* linear code address -> offset in CS */
static u64 code2off(u64 lin) { return g_mode == 16 ? lin - CODE : lin; }

static void fillrange(test_t *t, u64 lin, int before, int after) {
  for (int64_t a = (int64_t)lin - before; a < (int64_t)lin + after; a++) {
    if (a < (int64_t)DATA || a >= (int64_t)DATA + 8192) continue;
    size_t o = (size_t)(a - (int64_t)DATA);
    if (!t->set[o]) {
      /* edge-biased 64-bit values, written little-endian at 8-byte-aligned slots */
      u64 v = (o & 7) == 0 || a == (int64_t)lin - before ? edge(rn(2) ? 64 : 8 << rn(3)) : 0;
      if ((o & 7) == 0 || a == (int64_t)lin - before) t->memv = v;
      t->img[o] = (u8)(t->memv >> (8 * (o & 7)));
      t->set[o] = 1;
    }
  }
}
static void putmem(test_t *t, u64 lin, u64 v, int n) {
  for (int i = 0; i < n; i++) {
    u64 a = lin + (u64)i;
    if (a < DATA || a >= DATA + 8192) continue;
    t->img[a - DATA] = (u8)(v >> (8 * i));
    t->set[a - DATA] = 1;
  }
}
static u64 getmem(test_t *t, u64 lin, int n) {
  u64 v = 0;
  for (int i = 0; i < n; i++) {
    u64 a = lin + (u64)i;
    if (a >= DATA && a < DATA + 8192) v |= (u64)t->img[a - DATA] << (8 * i);
  }
  return v;
}

static u32 f32edge(void) {
  static const u32 e[] = {0, 0x80000000u, 0x3f800000u, 0xbf800000u, 0x7f800000u, 0xff800000u, 0x7fc00000u, 0xffc00000u,
                          0x7f800001u, 0x7fbfffffu, 0x00000001u, 0x007fffffu, 0x00800000u, 0x7f7fffffu, 0x4f000000u, 0xcf000000u,
                          0x3f000000u, 0x3fc00000u, 0x40200000u, 0x4b000000u};
  if (rn(2)) return e[rn(sizeof e / sizeof e[0])];
  return (u32)(rnd() & 0x807fffffu) | ((u32)(127 + rn(64) - 32) << 23);
}
static u64 f64edge(void) {
  static const u64 e[] = {0, 0x8000000000000000ULL, 0x3ff0000000000000ULL, 0xbff0000000000000ULL, 0x7ff0000000000000ULL,
                          0xfff0000000000000ULL, 0x7ff8000000000000ULL, 0x7ff0000000000001ULL, 0x0000000000000001ULL,
                          0x000fffffffffffffULL, 0x0010000000000000ULL, 0x7fefffffffffffffULL, 0x41e0000000000000ULL,
                          0xc1e0000000000000ULL, 0x43e0000000000000ULL, 0x3fe0000000000000ULL, 0x3ff8000000000000ULL,
                          0x4004000000000000ULL, 0x4330000000000000ULL};
  if (rn(2)) return e[rn(sizeof e / sizeof e[0])];
  return (rnd() & 0x800fffffffffffffULL) | ((u64)(1023 + rn(128) - 64) << 52);
}
static void f80edge(u8 *p, int mmx) {
  u64 m;
  u16 se;
  if (mmx) {
    m = edge(64);
    if (rn(4) == 0) { u64 w = edge(16); m = w | (w << 16) | (edge(16) << 32) | (edge(16) << 48); }
    se = rn(2) ? 0xffff : (u16)rnd();
  } else {
    switch (rn(14)) {
      case 0: m = 0; se = 0; break;
      case 1: m = 1ULL << 63; se = 0x3fff; break;
      case 2: m = 1ULL << 63; se = 0x7fff; break;
      case 3: m = 0xC000000000000000ULL | (rnd() >> 3 & (rn(2) ? ~0ULL : 0)); se = 0x7fff; break;
      case 4: m = 0x8000000000000000ULL | (rnd() >> 3) | 1; se = 0x7fff; break;
      case 5: m = rnd() >> 1; se = 0; break;
      case 6: m = ~0ULL; se = 0x7ffe; break;
      case 7: m = 1ULL << 63; se = 1; break;
      case 8: { int e = (int)rn(64); m = (1ULL << 63) | ((rnd() >> e) & ~((1ULL << (63 - e)) - 1) & ((1ULL << 63) - 1)); se = (u16)(0x3fff + e); break; }
      case 9: m = rnd() >> 1; se = (u16)(1 + rn(0x7ffd)); break; /* unnormal */
      default: m = (1ULL << 63) | rnd(); se = (u16)(0x3fff + rn(129) - 64); break;
    }
    se |= (u16)(rn(2) << 15);
  }
  memcpy(p, &m, 8);
  memcpy(p + 8, &se, 2);
}
static void lanefill(u8 *p, int n) {
  for (int o = 0; o < n; o += 16) {
    switch (rn(4)) {
      case 0: for (int i = 0; i < 16; i += 4) { u32 v = f32edge(); memcpy(p + o + i, &v, 4); } break;
      case 1: for (int i = 0; i < 16; i += 8) { u64 v = f64edge(); memcpy(p + o + i, &v, 8); } break;
      case 2: {
        static const int ws[4] = {8, 16, 32, 64};
        int w = ws[rn(4)];
        for (int i = 0; i < 16; i += w / 8) { u64 v = edge(w); memcpy(p + o + i, &v, (size_t)(w / 8)); }
        break;
      }
      default: for (int i = 0; i < 16; i += 8) { u64 v = rnd(); memcpy(p + o + i, &v, 8); } break;
    }
  }
}

static u64 pick_target(int size) {
  switch (rn(16)) {
    case 0: case 1: return DATA + 0x1000 - 1 - rn((u32)size);
    case 2: return DATA + 0x2000 - 1 - rn((u32)size);
    case 3: return DATA - 1 - rn((u32)size);
    case 4: case 5: return (DATA + 0x1000 + rn(0x1000 - 64)) & ~(u64)(rn(2) ? 15 : 0);
    case 6:
      if (g_mode == 16) return SEG16_BASE + 0xffff - rn((u32)size);
      /* fall through */
    default: return (DATA + 64 + rn(0x1000 - 128)) & ~(u64)(rn(2) ? 15 : 0);
  }
}

/* a code address for indirect branches and returns: somewhere in the INT3 fill */
static u64 code_target(u64 start, u64 end) {
  if (rn(10) == 0) {
    switch (rn(3)) {
      case 0: return g_mode == 64 ? 0x8000000000000000ULL + rnd() % 0x1000 : 0x30000000; /* non-canonical / unmapped */
      case 1: return CODE + 0x1000 + rn(0x100);
      default: return CODE - 1 - rn(16);
    }
  }
  for (;;) {
    u64 a = CODE + rn(0x1000);
    if (a < start || a >= end) return a;
  }
}

static int count_edge(int w) {
  static const int extra[] = {0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 255};
  switch (rn(4)) {
    case 0: return w - 1 + (int)rn(3);
    case 1: return (int)rn(256);
    default: return extra[rn(sizeof extra / sizeof extra[0])];
  }
}
static u16 sel_edge(void) {
  static const u16 s[] = {0, 3, 0x23, 0x2b, 0x33, 0x10, 0x18, 0x1b, 0x08, 0x53, SEL16_CS, SEL16_DS, 0x17, 0xffff};
  if (rn(6) == 0) return (u16)rnd();
  return s[rn(sizeof s / sizeof s[0])];
}

static void setreg(test_t *t, int r, u64 v) {
  if (g_mode != 64) v &= 0xffffffffULL;
  t->in.r[r & 15] = v;
}
/* set the low w bits of register r (REX-aware byte registers: legacy AH..BH when byte8h) */
static void setregw(test_t *t, int r, int w, int byte8h, u64 v) {
  if (w == 8 && byte8h) {
    int b = r - 4;
    t->in.r[b] = (t->in.r[b] & ~0xff00ULL) | ((v & 0xff) << 8);
    return;
  }
  u64 m = wmask(w);
  setreg(t, r, (t->in.r[r] & ~m) | (v & m));
}
static u64 getregw(test_t *t, int r, int w, int byte8h) {
  if (w == 8 && byte8h) return (t->in.r[r - 4] >> 8) & 0xff;
  return t->in.r[r] & wmask(w);
}

typedef struct {
  int has;     /* memory operand */
  int mod, reg, rm;
  int base, index, scale; /* -1 = none */
  int ripRel, abs;
  int dispOff, dispSize;
  u64 target;  /* linear */
} mplan_t;

static void gen_test(const form_t *f, test_t *t) {
  memset(t, 0, sizeof *t);
  int n = 0;
  u8 *c = t->code;
  u32 k = f->k;
  int rexok = g_mode == 64 && !(k & K_NOREX) && !(k & K_VEX);
  int hasmodrm = f->modrm != 0;
  int R = 0, X = 0, B = 0, W = 0, rex = 0;
  /* registers */
  for (int i = 0; i < NREG; i++) setreg(t, i, regval());
  t->in.fl = 0x202 | (rnd() & F_ARITH) | ((k & K_STR) ? (rn(2) ? F_DF : 0) : (rn(8) == 0 ? F_DF : 0));
  /* stack */
  u64 sp;
  switch (rn(8)) {
    case 0: sp = DATA + 2 * rn(4); break;
    case 1: sp = DATA + 0x1000 - 2 * rn(8); break;
    default: sp = (DATA + 0x400 + rn(0x800)) & ~(u64)(rn(4) ? 7 : 1); break;
  }
  t->p1perm = rn(4) < 2 ? 0 : (int)rn(2) + 1;
  if (g_mode == 16) setreg(t, 4, (t->in.r[4] & 0xffff0000ULL) | lin2off(sp));
  else setreg(t, 4, sp);
  if (!strcmp(f->cat, "stack") || !strcmp(f->cat, "branch") || !strcmp(f->cat, "sys") || !strcmp(f->cat, "far")) fillrange(t, sp, 16, 48);
  int osz = f->osz, asz = f->asz;
  int defo = g_mode == 16 ? 16 : 32;
  /* prefixes */
  if ((k & K_LOCK) && rn(6) == 0) c[n++] = 0xf0;
  if (asz != defasz()) c[n++] = 0x67;
  if (osz == 16 || osz == 32 || osz == 64) {
    int want16 = (osz == 16 && defo != 16) || (osz == 32 && defo == 16);
    if (want16 && !(k & K_VEX)) c[n++] = 0x66;
  }
  for (int i = 0; i < f->npfx; i++) c[n++] = f->pfx[i];
  if (g_mode == 64 && osz == 64 && !(k & K_D64) && !(k & K_VEX)) W = 1;
  if (rexok && hasmodrm) { R = rn(2); X = rn(2); B = rn(2); }
  if (rexok && (k & K_OPREG)) B = rn(2);
  if ((k & K_SREG) && f->op[0] == 0x8e) R = 0;
  if (f->modrm >= '0' && f->modrm <= '7') R = rn(2) && rexok ? 1 : 0; /* REX.R ignored for /digit forms: still vary it */
  rex = W || R || X || B || (rexok && osz == 8 && hasmodrm && rn(2));
  if (g_mode == 64 && rex && !(k & K_VEX)) c[n++] = (u8)(0x40 | W << 3 | R << 2 | X << 1 | B);
  int byte8h_any = osz == 8 && !rex; /* AH..BH for encodings 4-7 */
  /* VEX */
  int vvvv = 0;
  if (k & K_VEX) {
    if (g_mode == 64) { R = rn(2); X = rn(2); B = rn(2); vvvv = (int)rn(16); }
    else { R = X = B = 0; vvvv = (int)rn(8); }
    if (k & K_NOVVVV) vvvv = 0;
    c[n++] = 0xc4;
    c[n++] = (u8)((!R) << 7 | (!X) << 6 | (!B) << 5 | f->vmap);
    c[n++] = (u8)(f->vW << 7 | ((~vvvv) & 15) << 3 | f->vL << 2 | f->vpp);
    if (k & K_NOVVVV) c[n - 1] |= 0x78;
  }
  /* opcode */
  int opreg = -1;
  for (int i = 0; i < f->nop; i++) c[n++] = f->op[i];
  if (k & K_OPREG) {
    int r = (int)rn(8);
    c[n - 1] = (u8)(c[n - 1] + r);
    opreg = r + 8 * B;
  }
  /* ModRM */
  mplan_t mp;
  memset(&mp, 0, sizeof mp);
  mp.base = mp.index = -1;
  if (hasmodrm) {
    int mod;
    if (k & K_REGONLY) mod = 3;
    else if (k & K_MEMONLY) mod = (int)rn(3);
    else mod = rn(2) ? 3 : (int)rn(3);
    int reg = (f->modrm == 'r') ? (int)rn(8) : f->modrm - '0';
    if ((k & K_SREG) && f->op[0] == 0x8e) { static const int ok[3] = {0, 2, 3}; reg = ok[rn(3)]; }
    if ((k & K_SREG) && f->op[0] == 0x8c) reg = (int)rn(6);
    int rm = (int)rn(8);
    mp.mod = mod; mp.reg = reg + 8 * R; mp.rm = rm + 8 * B;
    int mpos = n;
    c[n++] = (u8)(mod << 6 | reg << 3 | rm);
    if (mod != 3) {
      mp.has = 1;
      if (asz == 16) {
        static const int b16[8] = {3, 3, 5, 5, -1, -1, 5, 3}, i16[8] = {6, 7, 6, 7, 6, 7, -1, -1};
        if (mod == 0 && rm == 6) { mp.abs = 1; mp.dispSize = 2; }
        else { mp.base = b16[rm]; mp.index = i16[rm]; mp.dispSize = mod == 1 ? 1 : mod == 2 ? 2 : 0; }
        if (mp.base < 0) { mp.base = mp.index; mp.index = -1; }
        mp.rm = rm;
      } else {
        if (rm == 4) {
          int sc = (int)rn(4), ix = (int)rn(8), bs = (int)rn(8);
          c[n++] = (u8)(sc << 6 | ix << 3 | bs);
          mp.scale = sc;
          mp.index = (ix == 4 && !X) ? -1 : ix + 8 * X;
          if (bs == 5 && mod == 0) { mp.base = -1; mp.dispSize = 4; }
          else mp.base = bs + 8 * B;
          if (mp.index >= 0 && mp.index == mp.base) {
            /* re-roll the index to a different register */
            ix = (ix + 1 + (int)rn(6)) & 7;
            if (ix == 4 && !X) ix = 5;
            c[n - 1] = (u8)(sc << 6 | ix << 3 | bs);
            mp.index = (ix == 4 && !X) ? -1 : ix + 8 * X;
            if (mp.index == mp.base) mp.index = -1, c[n - 1] = (u8)(sc << 6 | 4 << 3 | bs), mp.index = X ? 12 : -1;
            if (mp.index == mp.base) { mp.index = -1; } /* cannot happen with X=0 */
          }
        } else if (rm == 5 && mod == 0) {
          mp.dispSize = 4;
          if (g_mode == 64 && asz != 16) mp.ripRel = 1; else mp.abs = 1;
        } else mp.base = rm + 8 * B;
        if (mod == 1) mp.dispSize = 1;
        if (mod == 2) mp.dispSize = 4;
        if (mp.base < 0 && mp.index < 0 && !mp.ripRel) mp.abs = 1;
      }
      mp.dispOff = n;
      n += mp.dispSize;
    }
    (void)mpos;
  }
  /* immediate */
  int immOff = n, immSize = 0;
  switch (f->imm) {
    case IMM_B: immSize = 1; break;
    case IMM_W: immSize = 2; break;
    case IMM_D: immSize = 4; break;
    case IMM_Z: immSize = (k & K_REL) ? (g_mode == 16 ? 2 : 4) : (osz == 16 ? 2 : 4); break;
    case IMM_V: immSize = osz / 8; break;
    case IMM_ENTER: immSize = 3; break;
    case IMM_FAR: immSize = osz / 8 + 2; break;
  }
  if (k & K_MOFFS) immSize = asz / 8;
  n += immSize;
  t->len = n;
  u64 start = CODE + CODE_OFF, end = start + (u64)n;
  g_ipbase = start;
  /* immediate values */
  u64 imm = edge(immSize ? immSize * 8 : 8);
  int cnt = -1;
  int w = osz == 8 ? 8 : osz == 16 ? 16 : osz == 64 ? 64 : 32;
  if ((k & (K_SHIFT | K_SHD)) && f->imm == IMM_B) { cnt = count_edge(w); imm = (u64)cnt; }
  if (k & K_INTN) { do imm = rn(256); while (imm == 0x80); }
  if (f->imm == IMM_W && f->op[0] == 0xc2) imm = rn(4) ? 2 * rn(16) : edge(16);
  if (f->imm == IMM_ENTER) imm = (rn(3) ? 8 * rn(8) : edge(16)) | ((u64)(rn(2) ? rn(4) : rn(32)) << 16);
  if (k & K_REL) {
    int64_t d;
    if (immSize == 1) {
      if (rn(2)) d = rn(128);
      else d = -(int64_t)(n + 1) - (int64_t)rn((u32)(128 - n));
      if (rn(8) == 0) d = rn(2) ? 127 : -128;
    } else {
      u64 tg = code_target(start, end);
      d = (int64_t)(tg - end);
      if (g_mode == 16) d &= 0xffff;
    }
    imm = (u64)d;
  }
  if (k & K_MOFFS) { u64 tg = pick_target(8); imm = lin2off(tg); fillrange(t, tg, 8, 24); }
  for (int i = 0; i < immSize; i++) c[immOff + i] = (u8)(imm >> (8 * i));
  /* memory plan: the target now, the registers that reach it after the other operand plans */
  int cs16 = 0; /* 16-bit mode with a CS override: aim into the code segment (base CODE) */
  for (int i = 0; i < f->npfx; i++) if (f->pfx[i] == 0x2e && g_mode == 16) cs16 = 1;
  if (mp.has) {
    int sz = (k & K_AVX) ? 32 : (k & K_SSE) ? 16 : 8;
    u64 tg = cs16 ? CODE + rn(0x1000) : pick_target(sz);
    mp.target = tg;
    fillrange(t, tg, 8, (k & K_AVX) ? 40 : (k & K_SSE) ? 24 : 16);
    if (f->op[0] == 0x0f && f->op[1] == 0xae && (f->modrm == '0' || f->modrm == '1')) fillrange(t, tg, 0, 512);
    if (f->op[0] == 0xdd && (f->modrm == '4' || f->modrm == '6')) fillrange(t, tg, 0, 108);
    if (f->op[0] == 0xd9 && (f->modrm == '4' || f->modrm == '6')) fillrange(t, tg, 0, 28);
  }
  /* fp / sse state */
  t->hasfp = (k & (K_FP | K_SSE)) != 0;
  t->hasavx = (k & K_AVX) != 0;
  memcpy(t->in.fx, g_fx_default, 512);
  if (t->hasfp) {
    u8 *fx = t->in.fx;
    u16 fcw = 0x037f;
    if (rn(4) == 0) fcw = (u16)((fcw & ~0xf00) | rn(4) << 10 | rn(4) << 8);
    if (rn(16) == 0) fcw &= (u16)~(rnd() & 0x3f);
    u16 fsw = (u16)((rn(8) << 11) | (rnd() & 0x4700));
    u8 ftw = 0;
    for (int i = 0; i < 8; i++) ftw |= (u8)((rn(10) < 7) << i);
    if (k & K_MMXV) ftw = rn(2) ? 0xff : ftw;
    memcpy(fx + 0, &fcw, 2);
    memcpy(fx + 2, &fsw, 2);
    fx[4] = ftw;
    if (k & K_FP)
      for (int i = 0; i < 8; i++) { memset(fx + 32 + 16 * i, 0, 16); f80edge(fx + 32 + 16 * i, (k & K_MMXV) != 0); }
    u32 mx = 0x1f80;
    if (rn(4) == 0) mx = (mx & ~0x6000u) | rn(4) << 13 | (rn(2) << 15) | (rn(2) << 6);
    if (rn(16) == 0) mx &= ~((u32)rnd() & 0x1f80u);
    if (rn(8) == 0) mx |= (u32)rnd() & 0x3f;
    memcpy(fx + 24, &mx, 4);
    if (k & K_SSE) {
      /* only the registers the instruction can name get values (keeps the corpus compressible) */
      int used[4] = {mp.reg & (NXMM - 1), mp.has ? -1 : mp.rm & (NXMM - 1), vvvv & (NXMM - 1), 0};
      for (int j = 0; j < 4; j++) {
        if (used[j] < 0) continue;
        lanefill(fx + 160 + 16 * used[j], 16);
        if (t->hasavx) lanefill(t->in.ymmh[used[j]], 16);
      }
    }
    if (mp.has && (k & K_FPMEM) && rn(2)) {
      u8 buf[32];
      lanefill(buf, 32);
      if (rn(3) == 0) f80edge(buf, 0);
      for (int i = 0; i < 32; i++) putmem(t, mp.target + (u64)i, buf[i], 1);
    }
  }
  /* operand plans that override register values */
  int regw = w;
  if (k & K_CL) { cnt = count_edge(w); setregw(t, 1, 8, 0, (u64)cnt); }
  if (k & K_BT && f->modrm == 'r' && mp.has) {
    int64_t off = rn(2) ? (int64_t)rn(128) - 32 : (int64_t)rn(1024) - 256;
    setregw(t, mp.reg, regw, 0, (u64)off);
  }
  if (k & K_IND) {
    u64 tg = code2off(code_target(start, end));
    if (mp.has) putmem(t, mp.target, tg, w / 8);
    else setregw(t, mp.rm, w, 0, tg);
  }
  if (k & K_RET) putmem(t, sp, code2off(code_target(start, end)), w / 8);
  if (!strcmp(f->cat, "far")) {
    /* far target: the current code segment, the other flat one (0x23 <-> 0x33), or a bad selector */
    u16 cur = g_mode == 16 ? SEL16_CS : (u16)g_cs_flat, sel;
    u32 r8 = rn(20);
    if (r8 < 12) sel = cur;
    else if (r8 < 15) sel = g_mode == 64 ? 0x23 : 0x33;
    else if (r8 < 16 && g_mode == 16) sel = 0x23;
    else sel = sel_edge();
    u64 lin = code_target(start, end);
    u64 off = sel == SEL16_CS ? lin - CODE : lin;
    int ow = w / 8;
    if (f->imm == IMM_FAR) {
      for (int i = 0; i < ow; i++) c[immOff + i] = (u8)(off >> (8 * i));
      c[immOff + ow] = (u8)sel;
      c[immOff + ow + 1] = (u8)(sel >> 8);
    } else if (mp.has) {
      putmem(t, mp.target, off, ow);
      putmem(t, mp.target + (u64)ow, sel, 2);
    } else { /* RETF / IRET: the stack holds IP, CS (, FLAGS (, SP, SS in 64-bit mode)) */
      putmem(t, sp, off, ow);
      putmem(t, sp + (u64)ow, sel, ow);
      if (f->op[0] == 0xcf) {
        u64 fl = (rnd() & (F_ARITH | F_DF)) | 0x202 | (rn(4) == 0 ? rnd() & 0x3f7fd5 : 0);
        putmem(t, sp + 2 * (u64)ow, fl, ow);
        if (g_mode == 64) {
          putmem(t, sp + 3 * (u64)ow, (DATA + 0x400 + rn(0x800)) & ~7ULL, ow);
          putmem(t, sp + 4 * (u64)ow, rn(4) ? 0x2b : sel_edge(), ow);
        }
      }
    }
  }
  if (k & K_POPSEG) putmem(t, sp, sel_edge(), 4);
  if (k & K_SREG) {
    u16 s = sel_edge();
    if (f->op[0] == 0x8c) { /* store: nothing to set */ }
    else if (mp.has) putmem(t, mp.target, s, 2);
    else setregw(t, mp.rm, 16, 0, s);
  }
  if (mp.has && ((f->nop == 1 && (f->op[0] == 0xc4 || f->op[0] == 0xc5)) || (f->nop == 2 && f->op[0] == 0x0f && f->op[1] == 0xb2)))
    putmem(t, mp.target + (u64)(w / 8), sel_edge(), 2); /* far pointer: offset, then selector */
  if (k & K_DIV) {
    if (rn(5) < 3) {
      if (w == 8) setregw(t, 0, 16, 0, (t->in.r[0] & 0xff) | ((u64)rn(3) << 8));
      else if (f->op[0] == 0xf7 && f->modrm == '7') setregw(t, 2, w, 0, (t->in.r[0] >> (w - 1) & 1) ? wmask(w) : 0);
      else setregw(t, 2, w, 0, rn(3));
    }
    if (!mp.has && rn(5) < 3 && getregw(t, mp.rm, w, byte8h_any && mp.rm >= 4 && mp.rm < 8) == 0)
      setregw(t, mp.rm, w, byte8h_any && mp.rm >= 4 && mp.rm < 8, 3 + rn(1000));
  }
  if (k & K_STR) {
    int esz = osz == 8 ? 1 : osz / 8;
    u64 am = asz == 16 ? 0xffff : asz == 32 ? 0xffffffffULL : ~0ULL;
    u64 ts = pick_target(esz * 4), td = rn(3) ? pick_target(esz * 4) : ts + (rn(2) ? 1 : -1) * (int64_t)(esz * rn(8));
    if (t->in.fl & F_DF) { fillrange(t, ts, 40, 8); fillrange(t, td, 40, 8); }
    else { fillrange(t, ts, 8, 40); fillrange(t, td, 8, 40); }
    if (k & K_CMPS && rn(2))
      for (int i = -40; i < 40; i++) if (getmem(t, ts + (u64)i, 1) || rn(2)) putmem(t, td + (u64)i, getmem(t, ts + (u64)i, 1), 1);
    if (k & K_CMPS && f->op[0] >= 0xae && rn(2)) setregw(t, 0, w, 0, getmem(t, td + (u64)(esz * (int)rn(6)) * ((t->in.fl & F_DF) ? -1 : 1), w / 8));
    setreg(t, 6, (t->in.r[6] & ~am) | (lin2off(ts) & am));
    setreg(t, 7, (t->in.r[7] & ~am) | (lin2off(td) & am));
    u64 cx;
    static const u64 ce[] = {0, 1, 2, 3, 4, 7, 8, 15, 16, 31};
    switch (rn(5)) {
      case 0: cx = edge(asz); break;
      case 1: cx = rn(64); break;
      default: cx = ce[rn(10)]; break;
    }
    setreg(t, 1, (t->in.r[1] & ~am) | (cx & am));
  }
  if ((k & K_REL) && (f->op[0] & 0xfc) == 0xe0) {
    u64 am = asz == 16 ? 0xffff : asz == 32 ? 0xffffffffULL : ~0ULL;
    static const u64 ce[] = {0, 1, 2};
    u64 cx = rn(2) ? ce[rn(3)] : edge(asz);
    setreg(t, 1, (t->in.r[1] & ~am) | (cx & am));
  }
  if (f->op[0] == 0x0f && f->op[1] == 0x01 && f->nop == 3 && f->op[2] == 0xd0) {
    /* XGETBV: ECX=1 reads XINUSE, which depends on host context-switch history: never ask for it */
    u64 v = rn(2) ? 0 : rn(3) ? rn(4) : regval();
    if ((u32)v == 1) v = 0;
    setreg(t, 1, v);
  }
  if (f->nop == 1 && f->op[0] == 0xd7) { /* XLAT: [rBX + AL] */
    u64 am = asz == 16 ? 0xffff : asz == 32 ? 0xffffffffULL : ~0ULL;
    u64 tg = pick_target(1);
    fillrange(t, tg, 8, 8);
    setreg(t, 3, (t->in.r[3] & ~am) | ((lin2off(tg) - (t->in.r[0] & 0xff)) & am));
  }
  if (f->nop == 1 && (f->op[0] == 0xc8 || f->op[0] == 0xc9)) { /* ENTER/LEAVE: rBP near the stack */
    u64 bp = sp + 8 * rn(24) - (rn(4) == 0 ? 64 : 0);
    fillrange(t, bp, 48, 16);
    if (g_mode == 16) setreg(t, 5, (t->in.r[5] & 0xffff0000ULL) | (lin2off(bp) & 0xffff));
    else setreg(t, 5, (t->in.r[5] & (g_mode == 64 && rn(2) ? 0 : ~0xffffffffULL)) | (bp & 0xffffffffULL));
  }
  if (k & K_BSF && rn(4) == 0) {
    if (mp.has) putmem(t, mp.target, 0, w / 8);
    else setregw(t, mp.rm, w, 0, 0);
  }
  /* solve base/index/displacement so the effective address is the target (wins over the plans above) */
  if (mp.has) {
    u64 eff = cs16 ? mp.target - CODE : lin2off(mp.target);
    int64_t disp = 0;
    if (mp.dispSize == 1) { int64_t e[5] = {0, 127, -128, 1, -1}; disp = rn(2) ? e[rn(5)] : (int8_t)rnd(); }
    if (mp.dispSize == 2) disp = rn(2) ? (int16_t)edge(16) : 0;
    if (mp.dispSize == 4) { int64_t e[5] = {0, 0x7fffffff, -0x7fffffff - 1, 4, -4}; disp = rn(2) ? e[rn(5)] : (int32_t)rnd(); }
    u64 am = asz == 16 ? 0xffff : asz == 32 ? 0xffffffffULL : ~0ULL;
    if (mp.abs) disp = (int64_t)eff;
    else if (mp.ripRel) disp = (int64_t)(eff - end);
    else {
      u64 idxv = 0;
      if (mp.index >= 0) {
        idxv = rn(2) ? rn(0x100) : edge(asz);
        if (mp.base < 0) idxv = rn(0x400);
        setreg(t, mp.index, (t->in.r[mp.index] & ~am) | (idxv & am));
      }
      u64 basev = eff - (u64)disp - (idxv << mp.scale);
      if (mp.base < 0) { disp = (int64_t)(eff - (idxv << mp.scale)); }
      else setreg(t, mp.base, (t->in.r[mp.base] & ~am) | (basev & am));
    }
    for (int i = 0; i < mp.dispSize; i++) c[mp.dispOff + i] = (u8)((u64)disp >> (8 * i));
  }
  /* undefined flags for this test */
  t->uf = f->uf;
  if (k & K_SHIFT) {
    int c8 = (k & K_CL) ? (int)getregw(t, 1, 8, 0) : cnt;
    if (f->op[0] == 0xd0 || f->op[0] == 0xd1) c8 = 1;
    int mc = c8 & (w == 64 ? 63 : 31);
    u16 uf = 0;
    if (mc != 0) {
      if (!(k & K_ROT)) uf |= F_AF;
      if (mc != 1) uf |= F_OF;
      if ((k & K_SHLR) && mc >= w) uf |= F_CF;
    }
    t->uf = uf;
  }
  if (k & K_SHD) {
    int c8 = (k & K_CL) ? (int)getregw(t, 1, 8, 0) : cnt;
    int mc = c8 & (w == 64 ? 63 : 31);
    u16 uf = 0;
    if (mc != 0) {
      uf |= F_AF;
      if (mc != 1) uf |= F_OF;
      if (mc > w) { uf = F_ARITH; t->udest = 1; }
    }
    t->uf = uf;
  }
  if (k & K_BSF) {
    u64 src = mp.has ? getmem(t, mp.target, w / 8) : getregw(t, mp.rm, w, 0);
    if (src == 0) t->udest = 1;
  }
  (void)opreg;
}

/* ---------------------------------------------------------------- execution */

static u8 *g_code, *g_data, *g_launch;

static void run(const test_t *t, result_t *res, u8 *finalimg) {
  u8 *p1 = g_data + 4096;
  mprotect(p1, 4096, PROT_READ | PROT_WRITE);
  memcpy(g_data, t->img, 8192);
  if (t->p1perm == 1) { mprotect(p1, 4096, PROT_READ); (void)*(volatile u8 *)p1; }
  if (t->p1perm == 2) mprotect(p1, 4096, PROT_NONE);
  mprotect(g_code, 4096, PROT_READ | PROT_WRITE);
  memset(g_code, 0xcc, 4096);
  memcpy(g_code + CODE_OFF, t->code, (size_t)t->len);
  mprotect(g_code, 4096, PROT_READ | PROT_EXEC);
  u64 *L = (u64 *)g_launch;
  for (int i = 0; i < 16; i++) L[i] = t->in.r[i];
  L[16] = t->in.fl;
  if (g_mode == 16) {
    u32 *L32 = (u32 *)(g_launch + 0x88);
    L32[0] = CODE_OFF;
    L32[1] = SEL16_CS;
    L32[2] = (u32)t->in.r[4];
    L32[3] = SEL16_DS;
    *(u16 *)(g_launch + 0x98) = SEL16_DS;
    *(u16 *)(g_launch + 0x9a) = SEL16_DS;
  } else L[17] = CODE + CODE_OFF;
  memcpy(g_launch + 0x100, t->in.fx, 512);
  if (t->hasavx)
    for (int i = 0; i < NXMM; i++) {
      memcpy(g_launch + 0x400 + 32 * i, t->in.fx + 160 + 16 * i, 16);
      memcpy(g_launch + 0x400 + 32 * i + 16, t->in.ymmh[i], 16);
    }
  if (sigsetjmp(g_jb, 1) == 0) {
#ifndef __x86_64__
    if (g_mode == 16) cap_enter16();
#endif
    if (t->hasavx) cap_enter_avx();
    cap_enter();
  }
  memcpy(res, (const void *)&g_res, sizeof *res);
  memcpy(finalimg, g_data, 4096);
  if (t->p1perm == 2) memcpy(finalimg + 4096, t->img + 4096, 4096);
  else memcpy(finalimg + 4096, p1, 4096);
}

/* ---------------------------------------------------------------- output */

static void hexbytes(FILE *o, const u8 *p, int n) {
  static const char h[] = "0123456789abcdef";
  for (int i = 0; i < n; i++) { fputc(h[p[i] >> 4], o); fputc(h[p[i] & 15], o); }
}
static void hexbe(FILE *o, const u8 *p, int n) { /* little-endian bytes printed as one big-endian number */
  static const char h[] = "0123456789abcdef";
  for (int i = n - 1; i >= 0; i--) { fputc(h[p[i] >> 4], o); fputc(h[p[i] & 15], o); }
}
static void hexw(FILE *o, u64 v, int digits) { fprintf(o, "\"%0*llx\"", digits, (unsigned long long)v); }

static void put_regs(FILE *o, const u64 *r) {
  int nr = g_mode == 64 ? 16 : 8, dg = g_mode == 64 ? 16 : 8;
  fputc('[', o);
  for (int i = 0; i < nr; i++) { if (i) fputc(',', o); hexw(o, r[i], dg); }
  fputc(']', o);
}
static void put_fp(FILE *o, const u8 *fx, const u8 (*ymmh)[16], int avx) {
  u16 cw, sw; u32 mx;
  memcpy(&cw, fx, 2); memcpy(&sw, fx + 2, 2); memcpy(&mx, fx + 24, 4);
  fprintf(o, "{\"cw\":\"%04x\",\"sw\":\"%04x\",\"tw\":\"%02x\",\"mx\":\"%08x\",\"st\":[", cw, sw, fx[4], mx);
  for (int i = 0; i < 8; i++) { if (i) fputc(',', o); fputc('"', o); hexbe(o, fx + 32 + 16 * i, 10); fputc('"', o); }
  fputs("],\"x\":[", o);
  int nx = g_mode == 64 ? 16 : 8;
  for (int i = 0; i < nx; i++) { if (i) fputc(',', o); fputc('"', o); hexbe(o, fx + 160 + 16 * i, 16); fputc('"', o); }
  fputc(']', o);
  if (avx) {
    fputs(",\"yh\":[", o);
    for (int i = 0; i < nx; i++) { if (i) fputc(',', o); fputc('"', o); hexbe(o, ymmh[i], 16); fputc('"', o); }
    fputc(']', o);
  }
  fputc('}', o);
}
static void put_ranges(FILE *o, const u8 *img, const u8 *mask, int skipP1) {
  fputc('[', o);
  int first = 1;
  for (int i = 0; i < 8192;) {
    if (!mask[i] || (skipP1 && i >= 4096)) { i++; continue; }
    int j = i;
    while (j < 8192 && mask[j] && !(skipP1 && j >= 4096) && !(j == 4096 && i < 4096)) j++;
    if (!first) fputc(',', o);
    first = 0;
    fprintf(o, "[\"%08llx\",\"", (unsigned long long)(DATA + (u64)i));
    hexbytes(o, img + i, j - i);
    fputs("\"]", o);
    i = j;
  }
  fputc(']', o);
}

static int fp_equal(const u8 *a, const u8 *b) {
  if (memcmp(a, b, 6) != 0) return 0; /* fcw fsw ftw (+ reserved) */
  if (memcmp(a + 24, b + 24, 4) != 0) return 0;
  for (int i = 0; i < 8; i++) if (memcmp(a + 32 + 16 * i, b + 32 + 16 * i, 10) != 0) return 0;
  return memcmp(a + 160, b + 160, NXMM * 16) == 0;
}
static int same(const result_t *a, const u8 *ia, const result_t *b, const u8 *ib, int fp) {
  if (memcmp(a->c.r, b->c.r, sizeof a->c.r) || a->c.fl != b->c.fl || a->c.ip != b->c.ip) return 0;
  if (a->sig != b->sig || a->trapno != b->trapno || a->err != b->err) return 0;
  if (a->trapno == 14 && a->cr2 != b->cr2) return 0;
  if (memcmp(ia, ib, 8192)) return 0;
  if (fp && (!fp_equal(a->c.fx, b->c.fx) || memcmp(a->c.ymmh, b->c.ymmh, sizeof a->c.ymmh))) return 0;
  return 1;
}

static u64 fnv(const char *s) {
  u64 h = 1469598103934665603ULL;
  while (*s) { h ^= (u8)*s++; h *= 1099511628211ULL; }
  return h;
}

static long g_stat_tests, g_stat_exc[32], g_stat_nd, g_stat_timeout, g_stat_host;

static void emit(FILE *o, const form_t *f, int idx, const test_t *t, const result_t *r, const u8 *fin) {
  u64 start = CODE + CODE_OFF, end = start + (u64)t->len;
  u64 ipl = r->cs == SEL16_CS ? CODE + r->c.ip : r->c.ip; /* linear: only the tool's 16-bit CS has a base */
  u16 ecs = g_mode == 16 ? SEL16_CS : (u16)g_cs_flat;
  int done = r->sig == SIGTRAP && r->trapno == 3 && ipl >= CODE + 1 && ipl <= CODE + 4096 &&
             !(ipl - 1 >= start && ipl - 1 < end);
  fprintf(o, "{\"id\":\"%s\",\"n\":%d,\"m\":%d,\"code\":\"", f->id, idx, g_mode);
  hexbytes(o, t->code, t->len);
  fprintf(o, "\",\"ip\":");
  hexw(o, code2off(start), 8);
  fputs(",\"regs\":", o);
  put_regs(o, t->in.r);
  fprintf(o, ",\"fl\":\"%08llx\",\"pages\":[[\"%08lx\",\"rx\"],[\"%08lx\",\"rw\"],[\"%08lx\",\"%s\"]],\"mem\":",
          (unsigned long long)t->in.fl, CODE, DATA, DATA + 4096, t->p1perm == 0 ? "rw" : t->p1perm == 1 ? "r" : "none");
  put_ranges(o, t->img, t->set, t->p1perm == 2);
  if (t->hasfp) { fputs(",\"fp\":", o); put_fp(o, t->in.fx, t->in.ymmh, t->hasavx); }
  if (t->uf) fprintf(o, ",\"uf\":%u", t->uf);
  if (t->udest) fputs(",\"ud\":1", o);
  fputs(",\"out\":{\"regs\":", o);
  put_regs(o, r->c.r);
  fprintf(o, ",\"fl\":\"%08llx\",\"ip\":", (unsigned long long)r->c.fl);
  hexw(o, done ? r->c.ip - 1 : r->c.ip, 8);
  if (g_mode == 16 || r->cs != ecs) fprintf(o, ",\"cs\":\"%04x\"", r->cs);
  /* changed bytes */
  u8 diff[8192];
  for (int i = 0; i < 8192; i++) diff[i] = fin[i] != t->img[i];
  fputs(",\"mem\":", o);
  put_ranges(o, fin, diff, 0);
  if (t->hasfp) { fputs(",\"fp\":", o); put_fp(o, r->c.fx, (const u8(*)[16])r->c.ymmh, t->hasavx); }
  fputc('}', o);
  if (!done) {
    fprintf(o, ",\"exc\":{\"v\":%d,\"err\":%llu", r->trapno, (unsigned long long)r->err);
    if (r->trapno == 14) { fputs(",\"cr2\":", o); hexw(o, r->cr2, g_mode == 64 ? 16 : 8); }
    fputc('}', o);
    g_stat_exc[r->trapno & 31]++;
  }
  fputs("}\n", o);
}

static void emit_form(FILE *o, const form_t *f) {
  fprintf(o, "{\"id\":\"%s\",\"m\":%d,\"cat\":\"%s\",\"enc\":\"%s\",\"osz\":%d,\"asz\":%d,\"uf\":%u", f->id, f->mode, f->cat,
          f->enc, f->osz, f->asz, f->uf);
  if (f->k & (K_SHIFT | K_SHD)) fputs(",\"ufDynamic\":\"count\"", o);
  if (f->k & K_BSF) fputs(",\"udWhen\":\"source is zero\"", o);
  if (f->iced[0]) fprintf(o, ",\"iced\":\"%s\"", f->iced);
  if (f->op[0] == 0x0f && (f->op[1] == 0x00 || f->op[1] == 0x01) && f->nop == 2 &&
      (f->modrm == '0' || f->modrm == '1' || (f->op[1] == 0x01 && f->modrm == '4')))
    fputs(",\"note\":\"host CR4.UMIP=1: silicon raises #GP(0) at CPL 3; Linux emulates the instruction and stores dummy values, "
          "so results here are the kernel's, not the CPU's\"", o);
  if ((f->k & (K_SREG | K_POPSEG)) || (f->nop == 1 && (f->op[0] == 0xc4 || f->op[0] == 0xc5) && !(f->k & K_VEX)) ||
      (f->nop == 2 && f->op[0] == 0x0f && f->op[1] == 0xb2) || (f->op[0] == 0x0f && (f->op[1] == 0xa0 || f->op[1] == 0xa8)) ||
      (f->nop == 1 && (f->op[0] == 0x06 || f->op[0] == 0x0e || f->op[0] == 0x16 || f->op[0] == 0x1e)))
    fputs(",\"note\":\"selector values depend on the host kernel's GDT (Linux: 0x23/0x2b/0x33 user segments) and, in 16-bit mode, "
          "on the capture tool's LDT (0x07 code, 0x0f data)\"", o);
  fputs("}\n", o);
}

int main(int argc, char **argv) {
  int per = 50, verify = 0;
  u64 seed = 1;
  const char *cats = NULL, *formsOut = NULL, *only = NULL;
  g_mode = HOSTBITS;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--mode") && i + 1 < argc) g_mode = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--seed") && i + 1 < argc) seed = strtoull(argv[++i], NULL, 0);
    else if (!strcmp(argv[i], "--per-form") && i + 1 < argc) per = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--cat") && i + 1 < argc) cats = argv[++i];
    else if (!strcmp(argv[i], "--form") && i + 1 < argc) only = argv[++i];
    else if (!strcmp(argv[i], "--forms-out") && i + 1 < argc) formsOut = argv[++i];
    else if (!strcmp(argv[i], "--verify")) verify = 1;
    else { fprintf(stderr, "usage: %s [--mode 64|32|16] [--seed N] [--per-form N] [--cat a,b] [--form ID] [--forms-out F] [--verify]\n", argv[0]); return 2; }
  }
  if ((HOSTBITS == 64 && g_mode != 64) || (HOSTBITS == 32 && g_mode == 64)) { fprintf(stderr, "mode %d not supported by this build\n", g_mode); return 2; }
  build_forms();
  g_launch = mmap((void *)LAUNCH, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  g_code = mmap((void *)CODE, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  g_data = mmap((void *)DATA, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (g_launch != (void *)LAUNCH || g_code != (void *)CODE || g_data != (void *)DATA) { perror("mmap fixed"); return 1; }
  {
    u16 cs;
    __asm__ volatile("mov %%cs, %0" : "=r"(cs));
    g_cs_flat = cs;
  }
  if (g_mode == 16) {
    struct user_desc d;
    memset(&d, 0, sizeof d);
    d.entry_number = 0; d.base_addr = CODE; d.limit = 0xffff; d.contents = 2; d.useable = 1;
    if (syscall(SYS_modify_ldt, 1, &d, sizeof d) != 0) { perror("modify_ldt code"); return 1; }
    d.entry_number = 1; d.base_addr = SEG16_BASE; d.limit = 0xffff; d.contents = 0;
    if (syscall(SYS_modify_ldt, 1, &d, sizeof d) != 0) { perror("modify_ldt data"); return 1; }
  }
  __asm__ volatile("fninit");
  {
    u32 mx = 0x1f80;
    __asm__ volatile("ldmxcsr %0" ::"m"(mx));
    __asm__ volatile("fxsave %0" : "=m"(g_fx_default));
    /* keep FCW/FSW/FTW/MXCSR of the clean state; zero FOP/FIP/FDP and the register images, which
       would otherwise hold whatever libc left in ST/XMM (different for different arguments) */
    memset(g_fx_default + 6, 0, 18);
    memset(g_fx_default + 32, 0, 512 - 32);
  }
  stack_t ss;
  ss.ss_sp = malloc(1 << 16);
  ss.ss_size = 1 << 16;
  ss.ss_flags = 0;
  sigaltstack(&ss, NULL);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = handler;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGALRM};
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &sa, NULL);
  FILE *fo = formsOut ? fopen(formsOut, "w") : NULL;
  static test_t t;
  static result_t r1, r2;
  static u8 f1[8192], f2[8192];
  for (int fi = 0; fi < g_nforms; fi++) {
    const form_t *f = &g_forms[fi];
    if (cats) {
      char buf[256];
      snprintf(buf, sizeof buf, ",%s,", cats);
      char pat[64];
      snprintf(pat, sizeof pat, ",%s,", f->cat);
      if (!strstr(buf, pat)) continue;
    }
    if (only && strcmp(only, f->id) != 0) continue;
    if (fo) emit_form(fo, f);
    for (int i = 0; i < per; i++) {
      g_rs = seed * 0x9E3779B97F4A7C15ULL ^ fnv(f->id) ^ ((u64)g_mode << 56) ^ ((u64)i * 0xD1B54A32D192ED03ULL);
      gen_test(f, &t);
      if (i % 64 == 0) alarm(10);
      run(&t, &r1, f1);
      if (r1.timeout) { g_stat_timeout++; continue; }
      if (r1.trapno == 14 && r1.cr2 >= 0x0000800000000000ULL) { g_stat_host++; continue; } /* kernel-half address: host page tables */
      if (verify) {
        run(&t, &r2, f2);
        if (!same(&r1, f1, &r2, f2, t.hasfp)) { g_stat_nd++; fprintf(stderr, "nondeterministic: %s #%d\n", f->id, i); continue; }
      }
      emit(stdout, f, i, &t, &r1, f1);
      g_stat_tests++;
    }
  }
  alarm(0);
  if (fo) fclose(fo);
  fprintf(stderr, "mode %d: %d forms, %ld tests, %ld nondeterministic (dropped), %ld timeouts, %ld kernel-half #PF (dropped); exceptions:",
          g_mode, g_nforms, g_stat_tests, g_stat_nd, g_stat_timeout, g_stat_host);
  for (int i = 0; i < 32; i++) if (g_stat_exc[i]) fprintf(stderr, " #%d=%ld", i, g_stat_exc[i]);
  fputc('\n', stderr);
  return 0;
}
