/*
 * align: alignment checking (Intel SDM Vol. 3A 6.15 "Interrupt 17—Alignment Check Exception
 * (#AC)", table 6-7): with CR0.AM = 1 and EFLAGS.AC = 1, an unaligned data access at CPL 3
 * raises #AC with error code 0 (a fault: EIP points at the access); nothing is checked at CPL 0,
 * with AC = 0, or with CR0.AM = 0; word operands need 2-byte, dword 4-byte and x87 m64
 * operands 8-byte alignment; a push through a misaligned ESP is checked too.
 * Each ring-3 test loads its id into ESI and its resume address into EBX; the #AC handler logs
 * (id, error code, EIP) and resumes at EBX.
 * Expected output: guests/expected/align.txt (see guests.json for the references it was checked on).
 */
#include "rt.h"

#define AC (1u << 18)
#define CR0_AM (1u << 18)

#define LOG_MAX 16
static volatile u32 log_n, log_id[LOG_MAX], log_err[LOG_MAX], log_eip[LOG_MAX];
static void on_ac(struct frame *f) {
    if (log_n < LOG_MAX) { log_id[log_n] = f->esi; log_err[log_n] = f->err; log_eip[log_n] = f->eip; log_n++; }
    f->eip = f->ebx;
}
static void on_int80(struct frame *f) { return_to_kernel(f->eax); }
static int ac_of(u32 id) {
    for (u32 i = 0; i < log_n; i++) if (log_id[i] == id) return (int)i;
    return -1;
}
static void expect_ac(u32 id, const char *name) {
    int i = ac_of(id);
    check(i >= 0 && log_err[i] == 0, name);
    if (i < 0) printf("  (test %u ran without #AC)\n", id);
}
static void expect_no_ac(u32 id, const char *name) { check(ac_of(id) < 0, name); }

/* Ring-3 programs in .user.text; their data is the .user.data buffer below. */
USER_DATA u8 user_buf[64] __attribute__((aligned(16)));
extern char user_ac_on[], user_ac_off[], user_fault_eip[];
__asm__(".pushsection .user.text, \"ax\"\n"
        ".macro A id, insn:vararg\n\t"
        "mov $\\id, %esi\n\tmov $9f, %ebx\n\t\\insn\n9:\n"
        ".endm\n"
        "user_ac_on:\n\t"
        "pushf\n\torl $0x40000, (%esp)\n\tpopf\n\t"                /* EFLAGS.AC = 1 at CPL 3 */
        "mov $user_buf, %edi\n\t"
        "A 1, movl 1(%edi), %eax\n\t"                             /* dword at +1 */
        "A 2, movw %ax, 3(%edi)\n\t"                              /* word at +3 */
        "A 3, movl 4(%edi), %eax\n\t"                             /* aligned dword */
        "A 4, movw 2(%edi), %ax\n\t"                              /* aligned word */
        "A 5, movb 7(%edi), %al\n\t"                              /* bytes are always aligned */
        "A 6, movl 2(%edi), %eax\n\t"                             /* dword at +2 */
        "A 7, fildll 12(%edi)\n\t"                                /* m64 at +12: 8-byte alignment */
        "A 8, fildll 16(%edi)\n\t"
        "fstp %st(0)\n\t"
        "mov %esp, %ebp\n\t"
        "sub $2, %esp\n\t"
        "A 9, pushl $0\n\t"                                       /* push through a misaligned ESP */
        "mov %ebp, %esp\n\t"
        "A 10, addl $1, 5(%edi)\n\t"                              /* read-modify-write */
        "mov $0xa0, %eax\n\tint $0x80\n"
        "user_ac_off:\n\t"
        "pushf\n\tandl $~0x40000, (%esp)\n\tpopf\n\t"             /* EFLAGS.AC = 0 */
        "mov $user_buf, %edi\n\t"
        "A 21, movl 1(%edi), %eax\n\t"
        "mov $0xa1, %eax\n\tint $0x80\n"
        "user_fault_eip:\n\t"                                     /* the #AC is a fault at the access */
        "pushf\n\torl $0x40000, (%esp)\n\tpopf\n\t"
        "mov $user_buf, %edi\n\t"
        "mov $31, %esi\n\tmov $9f, %ebx\n"
        ".globl user_fault_insn\n"
        "user_fault_insn:\n\t"
        "movl 1(%edi), %eax\n"
        "9:\tmov $0xa2, %eax\n\tint $0x80\n"
        ".purgem A\n"
        ".popsection\n");
extern char user_fault_insn[];

int main(void) {
    puts("align: #AC with CR0.AM and EFLAGS.AC at CPL 3\n");
    paging_identity(PTE_P | PTE_W);
    paging_map_user();
    paging_enable();
    write_cr0(read_cr0() & ~0xcu);                       /* x87 usable: CR0.EM = CR0.TS = 0 */
    __asm__ volatile("fninit");
    set_handler(17, on_ac);
    set_handler(0x80, on_int80);

    /* CR0.AM = 0: nothing is checked even with AC = 1 */
    log_n = 0;
    u32 r = run_user((u32)user_ac_on, USER_STACK_TOP);
    check(r == 0xa0 && log_n == 0, "CR0.AM=0: no #AC at CPL 3 with EFLAGS.AC=1");

    write_cr0(read_cr0() | CR0_AM);
    check((read_cr0() & CR0_AM) != 0, "CR0.AM set");
    log_n = 0;
    r = run_user((u32)user_ac_on, USER_STACK_TOP);
    check_eq(r, 0xa0, "ring-3 program with EFLAGS.AC=1 ran to its end");
    expect_ac(1, "#AC(0): dword read at an address = 1 mod 4");
    expect_ac(2, "#AC(0): word write at an odd address");
    expect_no_ac(3, "aligned dword: no #AC");
    expect_no_ac(4, "aligned word: no #AC");
    expect_no_ac(5, "byte access: no #AC");
    expect_ac(6, "#AC(0): dword read at an address = 2 mod 4");
    expect_ac(7, "#AC(0): x87 m64 load at an address = 4 mod 8");
    expect_no_ac(8, "x87 m64 load at an 8-byte aligned address: no #AC");
    expect_ac(9, "#AC(0): push through a misaligned ESP");
    expect_ac(10, "#AC(0): read-modify-write of a misaligned dword");
    check_eq(log_n, 6, "exactly the misaligned accesses raised #AC");

    log_n = 0;
    r = run_user((u32)user_ac_off, USER_STACK_TOP);
    check(r == 0xa1 && log_n == 0, "EFLAGS.AC=0: no #AC at CPL 3");

    log_n = 0;
    r = run_user((u32)user_fault_eip, USER_STACK_TOP);
    check(r == 0xa2 && log_n == 1 && log_eip[0] == (u32)user_fault_insn, "#AC is a fault: EIP points at the misaligned access");

    /* CPL 0: never checked */
    {
        u32 fl = read_eflags();
        __asm__ volatile("pushf\n\torl $0x40000, (%%esp)\n\tpopf" ::: "memory", "cc");
        log_n = 0;
        __asm__ volatile("movl 0x100001, %%eax" ::: "eax", "memory");
        __asm__ volatile("push %0\n\tpopf" ::"r"(fl) : "memory", "cc");
        check(log_n == 0, "CPL 0: no #AC with CR0.AM=1 and EFLAGS.AC=1");
    }
    write_cr0(read_cr0() & ~CR0_AM);
    report();
}
