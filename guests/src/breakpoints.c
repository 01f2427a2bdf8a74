/*
 * breakpoints: what `debug` leaves out of the data/I-O breakpoints and the MOV SS shadow
 * (Intel SDM Vol. 3B 18.2.4-18.2.5, 18.3.1.3; Vol. 2B MOV; Vol. 3A 6.8.3): a LEN=8 (encoding
 * 10) read/write breakpoint covering its aligned quadword, a write breakpoint hit by one
 * iteration of REP MOVSD (a trap after that iteration: EIP on the REP instruction, ECX the
 * remaining count, the copy then completes), an I/O breakpoint (R/W=10 with CR4.DE) on OUT, and
 * a data breakpoint hit by POP SS reported only after the next instruction (which moves ESP below
 * the watched slot, so the #DB frame and its IRET do not touch it).
 * Expected output: guests/expected/breakpoints.txt (see guests.json for the references).
 */
#include "rt.h"

#define DR6_MASK 0xe00fu

static inline void set_dr(int n, u32 v) {
    switch (n) {
    case 0: __asm__ volatile("mov %0, %%dr0" ::"r"(v)); break;
    case 1: __asm__ volatile("mov %0, %%dr1" ::"r"(v)); break;
    case 2: __asm__ volatile("mov %0, %%dr2" ::"r"(v)); break;
    case 6: __asm__ volatile("mov %0, %%dr6" ::"r"(v)); break;
    default: __asm__ volatile("mov %0, %%dr7" ::"r"(v)); break;
    }
}
static inline u32 get_dr6(void) { u32 v; __asm__ volatile("mov %%dr6, %0" : "=r"(v)); return v; }

#define LOG_MAX 8
static volatile u32 db_n, db_eip[LOG_MAX], db_dr6[LOG_MAX], db_ecx[LOG_MAX];
static void on_db(struct frame *f) {
    u32 dr6 = get_dr6();
    if (db_n < LOG_MAX) { db_eip[db_n] = f->eip; db_dr6[db_n] = dr6 & DR6_MASK; db_ecx[db_n] = f->ecx; db_n++; }
    set_dr(6, 0);
}
static void reset_log(void) { db_n = 0; for (int i = 0; i < LOG_MAX; i++) db_eip[i] = db_dr6[i] = db_ecx[i] = 0xffffffff; }

u32 l_len8, l_rep, l_out, l_push, l_nop;
volatile u8 quad[16] __attribute__((aligned(8)));
volatile u32 src[8], dst[8];
volatile u32 stk[1024] __attribute__((aligned(16)));

int main(void) {
    puts("breakpoints: LEN=8, REP MOVSD, I/O breakpoints (CR4.DE), POP SS shadow\n");
    set_handler(1, on_db);
    set_dr(6, 0);

    /* LEN = 8: DR0 = quad + 3 covers quad[0..7] */
    reset_log();
    set_dr(0, (u32)&quad[3]);
    set_dr(7, 0x1u | (3u << 16) | (2u << 18) | 0x300u);       /* L0, R/W0 = read/write, LEN0 = 8 bytes */
    __asm__ volatile("movb quad + 8, %%al\n\tmovl $1f, l_len8\n\tmovb quad + 7, %%al\n1:\tnop" ::: "eax", "memory");
    set_dr(7, 0);
    check_eq(db_n, 1, "LEN=8 breakpoint: byte 7 of the quadword traps, byte 8 does not");
    check(db_eip[0] == l_len8 && db_dr6[0] == 0x1, "trap after the read with DR6.B0");

    /* REP MOVSD: DR1 watches dst[3] for writes */
    reset_log();
    for (int i = 0; i < 8; i++) { src[i] = 0x100 + i; dst[i] = 0; }
    set_dr(1, (u32)&dst[3]);
    set_dr(7, (1u << 2) | (1u << 20) | (3u << 22) | 0x300u);  /* L1, R/W1 = write, LEN1 = 4 */
    __asm__ volatile("movl $1f, l_rep\n\tcld\n1:\trep movsl" :: "S"(src), "D"(dst), "c"(8) : "memory");
    set_dr(7, 0);
    check_eq(db_n, 1, "REP MOVSD: one #DB for the iteration that wrote the watched dword");
    check(db_eip[0] == l_rep && db_ecx[0] == 4, "trap after that iteration: EIP on REP MOVSD, ECX = 4 left");
    check(db_dr6[0] == 0x2 && dst[7] == 0x107 && dst[3] == 0x103, "DR6.B1 and the copy then completed");

    /* I/O breakpoint: DR2 = port 0x80, R/W2 = 10 (I/O), needs CR4.DE */
    reset_log();
    u32 cr4;
    __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
    __asm__ volatile("mov %0, %%cr4" ::"r"(cr4 | 0x8));
    set_dr(2, 0x80);
    set_dr(7, (1u << 4) | (2u << 24) | 0x300u);               /* L2, R/W2 = I/O, LEN2 = 1 */
    __asm__ volatile("outb %%al, $0x81\n\tmovl $1f, l_out\n\toutb %%al, $0x80\n1:\tnop" ::"a"(0) : "memory");
    set_dr(7, 0);
    __asm__ volatile("mov %0, %%cr4" ::"r"(cr4));
    check_eq(db_n, 1, "I/O breakpoint on port 0x80: OUT 0x80 traps, OUT 0x81 does not");
    check(db_eip[0] == l_out && db_dr6[0] == 0x4, "trap after the OUT with DR6.B2");

    /* POP SS: a data breakpoint it hits is held until after the next instruction */
    reset_log();
    set_dr(0, (u32)&stk[1023]);
    set_dr(7, 0x1u | (3u << 16) | (3u << 18) | 0x300u);       /* L0, R/W0 = read/write, LEN0 = 4 */
    __asm__ volatile("movl %%esp, %%edx\n\tmovl $stk + 4096, %%esp\n\tmovl $1f, l_push\n\tmovl $2f, l_nop\n"
                     "\tpushl %%ss\n1:\tpopl %%ss\n\tsubl $64, %%esp\n2:\tnop\n\tmovl %%edx, %%esp" ::: "edx", "memory");
    set_dr(7, 0);
    check_eq(db_n, 2, "PUSH SS and POP SS over the watched slot: two #DB");
    check(db_eip[0] == l_push && db_dr6[0] == 0x1, "PUSH SS: trap right after it");
    check(db_eip[1] == l_nop && db_dr6[1] == 0x1, "POP SS: the trap is held until after the next instruction");
    report();
}
