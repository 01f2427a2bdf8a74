/*
 * paging: 32-bit two-level paging (Intel SDM Vol. 3A 4.3) — #PF error codes and CR2 for
 * not-present/protection/user/supervisor cases, CR0.WP, accessed/dirty bits, INVLPG, 4 MiB
 * pages (CR4.PSE), and ring-3 accesses through a user mapping.
 * Expected output checked on QEMU 7.2 TCG: guests/expected/paging.txt, QEMU status 1.
 */
#include "rt.h"

#define TEST_VA 0x00800000u  /* in page_tables[2] */
static u8 frame_a[4096] __attribute__((aligned(4096)));
static u8 frame_b[4096] __attribute__((aligned(4096)));

static void pf(const char *name, u32 err, u32 cr2) {
    if (fault_vector == 14 && fault_err == err && fault_cr2 == cr2 && fault_eip == fault_start) check(1, name);
    else {
        check(0, name);
        printf("  got vector %u error 0x%x cr2 %08x eip %08x, want 14 error 0x%x cr2 %08x eip %08x\n", fault_vector, fault_err, fault_cr2, fault_eip, err, cr2, fault_start);
    }
}

/* ---- ring 3 part: each probe faults and the kernel resumes at the next label ---- */
extern char user_probe[], user_r1[], user_r2[], user_r3[];
__asm__(".pushsection .user.text, \"ax\"\n"
        "user_probe:\n\tmovl 0x00200000, %eax\n"          /* read of a supervisor page */
        "user_r1:\n\tmovl %eax, 0x00200000\n"             /* write of a supervisor page */
        "user_r2:\n\tmovl $0x55, 0x40000ff0\n"            /* write of a read-only user page (patched below) */
        "user_r3:\n\tmovl $7, %eax\n\tint $0x80\n"
        ".popsection\n");
static u32 user_errs[3], user_cr2[3], user_n;
static void user_pf(struct frame *f) {
    static char *const next[3] = { user_r1, user_r2, user_r3 };
    if ((f->cs & 3) != 3 || user_n >= 3) { printf("FAIL: unexpected #PF error 0x%x at %08x cr2 %08x\n", f->err, f->eip, read_cr2()); exit(3); }
    user_errs[user_n] = f->err;
    user_cr2[user_n] = read_cr2();
    f->eip = (u32)next[user_n++];
}
static void user_syscall(struct frame *f) { return_to_kernel(f->eax); }

int main(void) {
    puts("paging: #PF error codes, CR2, WP, A/D bits, INVLPG, PSE, user/supervisor\n");
    paging_identity(PTE_P | PTE_W);
    u32 *pte = pte_of(TEST_VA);
    *pte = 0;                                               /* not present */
    paging_enable();
    check((read_cr0() & 0x80000000u) != 0, "CR0.PG set");

    EXPECT_FAULT("3:\tmovl 0x00800123, %%eax", "eax");
    pf("#PF read, not present: error 0, CR2 = address", 0, TEST_VA + 0x123);
    EXPECT_FAULT("3:\tmovl %%eax, 0x00800456", "memory");
    pf("#PF write, not present: error 2", 2, TEST_VA + 0x456);

    *pte = (u32)frame_a | PTE_P;                            /* read-only */
    invlpg(TEST_VA);
    frame_a[0x10] = 0x5a;
    check_eq(*(volatile u8 *)(TEST_VA + 0x10), 0x5a, "read through a fresh mapping");
    check((*pte & PTE_A) != 0 && (*pte & PTE_D) == 0, "read sets A, not D");
    check((page_dir[TEST_VA >> 22] & PTE_A) != 0, "read sets A in the PDE");
    EXPECT_FAULT("3:\tmovl %%eax, 0x00800010", "memory");
    pf("#PF write to read-only with CR0.WP=1: error 3", 3, TEST_VA + 0x10);

    write_cr0(read_cr0() & ~0x10000u);                      /* WP off: supervisor may write */
    *(volatile u8 *)(TEST_VA + 0x11) = 0x77;
    check_eq(frame_a[0x11], 0x77, "supervisor write to read-only page with CR0.WP=0");
    check((*pte & PTE_D) != 0, "write sets D");
    write_cr0(read_cr0() | 0x10000u);

    *pte = (u32)frame_b | PTE_P | PTE_W;                    /* remap + INVLPG */
    frame_b[0x10] = 0xa5;
    invlpg(TEST_VA);
    check_eq(*(volatile u8 *)(TEST_VA + 0x10), 0xa5, "INVLPG makes a changed PTE visible");

    /* reserved bit in a PDE with PSE=0 is not checked in 32-bit paging; with PS=1 and CR4.PSE */
    write_cr4(read_cr4() | 0x10);                           /* CR4.PSE */
    page_dir[0x30000000u >> 22] = 0x00400000u | PTE_P | PTE_W | PTE_PS; /* 4 MiB page -> 4 MiB */
    *(volatile u32 *)0x00400100u = 0xcafef00d;
    check_eq(*(volatile u32 *)0x30000100u, 0xcafef00d, "4 MiB page (CR4.PSE, PDE.PS) maps 0x30000000 -> 0x400000");
    check((page_dir[0x30000000u >> 22] & PTE_A) != 0, "4 MiB page: A set in the PDE");
    EXPECT_FAULT("3:\tmovl 0x30400000, %%eax", "eax");
    pf("#PF beyond the 4 MiB page: not-present PDE", 0, 0x30400000);

    /* ring 3: supervisor page read/write, read-only user page write */
    paging_map_user();
    user_pt[0] &= ~PTE_W;                                   /* user code page: read-only */
    write_cr3(read_cr3());
    set_handler(14, user_pf);
    set_handler(0x80, user_syscall);
    u32 r = run_user((u32)user_probe, USER_STACK_TOP);
    set_handler(14, 0);
    check_eq(r, 7, "ring 3 program ran and returned through int 0x80");
    check_eq(user_errs[0], 5, "#PF user read of supervisor page: error 5 (P|U)");
    check_eq(user_cr2[0], 0x00200000, "CR2 for the user read");
    check_eq(user_errs[1], 7, "#PF user write of supervisor page: error 7 (P|W|U)");
    check_eq(user_errs[2], 7, "#PF user write to read-only user code page: error 7");
    check_eq(user_cr2[2], 0x40000ff0, "CR2 for the user write");
    report();
}
