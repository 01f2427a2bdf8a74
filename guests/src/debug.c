/*
 * debug: the debug registers (Intel SDM Vol. 3B ch. 18 "Debug, Branch Profile, TSC, and Intel
 * Resource Director Technology Features", 18.2-18.3): an instruction breakpoint (DR0, a fault
 * before the instruction; the handler sets RF so the IRET does not re-trigger it), a data write
 * breakpoint (DR1 R/W=01, LEN=4: a trap after the store), a read/write breakpoint on one byte hit
 * by an overlapping dword read and not by a read of the next byte, general detect (DR7.GD: MOV DRn
 * faults with DR6.BD and the processor clears GD for the handler), single-step with DR6.BS, and
 * the DR6 status bits each time (the processor sets B0-B3/BD/BS; software clears them).
 * Expected output: guests/expected/debug.txt (see guests.json for the references it was checked on).
 */
#include "rt.h"

#define RF 0x10000u
#define TF 0x100u
#define DR6_MASK 0xe00fu /* B0-B3, BD, BS, BT */

static inline void set_dr(int n, u32 v) {
    switch (n) {
    case 0: __asm__ volatile("mov %0, %%dr0" ::"r"(v)); break;
    case 1: __asm__ volatile("mov %0, %%dr1" ::"r"(v)); break;
    case 6: __asm__ volatile("mov %0, %%dr6" ::"r"(v)); break;
    default: __asm__ volatile("mov %0, %%dr7" ::"r"(v)); break;
    }
}
static inline u32 get_dr6(void) { u32 v; __asm__ volatile("mov %%dr6, %0" : "=r"(v)); return v; }
static inline u32 get_dr7(void) { u32 v; __asm__ volatile("mov %%dr7, %0" : "=r"(v)); return v; }

#define LOG_MAX 8
static volatile u32 db_n, db_eip[LOG_MAX], db_dr6[LOG_MAX], db_dr7[LOG_MAX];
static volatile u32 db_stop;
static void on_db(struct frame *f) {
    u32 dr6 = get_dr6();
    if (db_n < LOG_MAX) { db_eip[db_n] = f->eip; db_dr6[db_n] = dr6 & DR6_MASK; db_dr7[db_n] = get_dr7(); db_n++; }
    set_dr(6, 0);                          /* the processor never clears DR6 status bits itself */
    if (dr6 & 0x1) f->eflags |= RF;        /* instruction breakpoint: resume without re-triggering */
    if (dr6 & 0x2000) f->eip = f->ebx;     /* general detect: skip the MOV DRn */
    if (f->eip == db_stop || db_n >= LOG_MAX) f->eflags &= ~TF;
}
static void reset_log(void) { db_n = 0; for (int i = 0; i < LOG_MAX; i++) db_eip[i] = db_dr6[i] = db_dr7[i] = 0xffffffff; }

u32 l_bp, l_after_store, l_after_read, l_gd, l_ss1, l_ss2;
volatile u32 bp_count;
volatile u32 watch __attribute__((aligned(8)));

int main(void) {
    puts("debug: DR0-DR7 instruction and data breakpoints, general detect, single-step, DR6\n");
    set_handler(1, on_db);
    set_dr(6, 0);

    /* instruction breakpoint */
    reset_log();
    __asm__ volatile("movl $1f, l_bp\n\tmovl $1f, %%eax\n\tmov %%eax, %%dr0\n\tmov $0x1, %%eax\n\tmov %%eax, %%dr7\n"
                     "1:\tincl bp_count\n\txor %%eax, %%eax\n\tmov %%eax, %%dr7" ::: "eax", "memory");
    check_eq(db_n, 1, "instruction breakpoint (DR0, DR7.L0) raised one #DB");
    check_eq(db_eip[0], l_bp, "it is a fault: EIP is the breakpoint address");
    check_eq(db_dr6[0], 0x1, "DR6.B0 set");
    check_eq(bp_count, 1, "with RF set by the handler the instruction then ran exactly once");

    /* data write breakpoint, 4 bytes */
    reset_log();
    set_dr(1, (u32)&watch);
    set_dr(7, (1u << 2) | (1u << 20) | (3u << 22) | 0x300u); /* L1, R/W1 = write, LEN1 = 4 bytes, LE|GE */
    __asm__ volatile("movl $1f, l_after_store\n\tmovl $0x1234, watch\n1:\tnop" ::: "memory");
    u32 v = watch;                                             /* a read: no trap */
    set_dr(7, 0);
    check_eq(db_n, 1, "data write breakpoint (DR1 R/W=01 LEN=4) raised one #DB, reads do not");
    check_eq(db_eip[0], l_after_store, "it is a trap: EIP is the instruction after the store");
    check(db_dr6[0] == 0x2 && v == 0x1234, "DR6.B1 set and the store happened");

    /* read/write breakpoint on one byte */
    reset_log();
    set_dr(1, (u32)&watch + 2);
    set_dr(7, (1u << 2) | (3u << 20) | 0x300u);                /* R/W1 = read or write, LEN1 = 1 byte */
    __asm__ volatile("movl $1f, l_after_read\n\tmov watch, %%eax\n1:\tmovb watch + 3, %%al" ::: "eax", "memory");
    set_dr(7, 0);
    check_eq(db_n, 1, "R/W breakpoint on byte 2: a dword read over it traps, a byte read of byte 3 does not");
    check(db_eip[0] == l_after_read && db_dr6[0] == 0x2, "trap after the dword read with DR6.B1");

    /* general detect */
    reset_log();
    set_dr(7, 0x2000u);
    __asm__ volatile("movl $1f, l_gd\n\tmov $2f, %%ebx\n1:\tmov %%dr7, %%eax\n2:" ::: "eax", "ebx", "memory");
    set_dr(7, 0);
    check_eq(db_n, 1, "DR7.GD: MOV from DR7 raised #DB");
    check(db_eip[0] == l_gd && db_dr6[0] == 0x2000, "a fault at the MOV DRn with DR6.BD");
    check(db_n == 1 && (db_dr7[0] & 0x2000) == 0, "the processor cleared DR7.GD for the handler");

    /* single-step */
    reset_log();
    __asm__ volatile("movl $1f, l_ss1\n\tmovl $2f, l_ss2\n\tmovl $2f, db_stop\n\t"
                     "pushf\n\torl $0x100, (%%esp)\n\tpopf\n\tnop\n1:\tnop\n2:" ::: "memory");
    check(db_n == 2 && db_eip[0] == l_ss1 && db_eip[1] == l_ss2, "single-step traps after each instruction");
    check(db_dr6[0] == 0x4000 && db_dr6[1] == 0x4000, "DR6.BS set for single-step traps");
    report();
}
