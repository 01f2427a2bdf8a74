/*
 * pae: PAE paging (Intel SDM Vol. 3A 4.4 "PAE Paging"): CR4.PAE with a 4-entry PDPT and
 * 64-bit entries, 4 KiB pages and 2 MiB pages (PDE.PS), accessed and dirty bits in both, #PF
 * error codes (P, W/R, U/S, RSVD) and CR2, reserved bits (bit 63 while IA32_EFER.NXE = 0, PDE
 * bits 20:13 of a 2 MiB page), no I/D bit in the error code of an instruction fetch while
 * NXE = 0 (SDM Vol. 3A 4.7), U/S as the AND of the PDE and PTE, MOV CR3 loading the PDPTEs
 * (#GP(0) on a reserved PDPTE bit, SDM Vol. 3A 4.4.1), global pages with CR4.PGE (a PGE toggle
 * and INVLPG both invalidate them) and CR3 reloads for non-global pages.
 * NX is not tested: none of x86kit's CPU profiles advertises CPUID.80000001H:EDX.NX (bit 20), so
 * EFER.NXE cannot be set there (the guest checks that bit 63 is reserved instead).
 * Expected output: guests/expected/pae.txt (see guests.json for the references it was checked on).
 */
#include "rt.h"

#define CR4_PSE (1u << 4)
#define CR4_PAE (1u << 5)
#define CR4_PGE (1u << 7)
#define PG_G 0x100u
#define BIT63 (1ull << 63)

static u64 pdpt[4] __attribute__((aligned(32)));
static u64 pd0[512] __attribute__((aligned(4096)));   /* 0..1 GiB: 2 MiB identity pages for 0..16 MiB */
static u64 pd1[512] __attribute__((aligned(4096)));   /* 1..2 GiB: user program, 4 KiB test pages */
static u64 pd2[512] __attribute__((aligned(4096)));   /* 2..3 GiB: a 2 MiB test page */
static u64 pd3[512] __attribute__((aligned(4096)));
static u64 pt_user[512] __attribute__((aligned(4096))); /* 0x40000000: .user and its stack */
static u64 pt_test[512] __attribute__((aligned(4096))); /* 0x40200000: test pages (PDE without U) */
static u8 page_a[4096] __attribute__((aligned(4096)));
static u8 page_b[4096] __attribute__((aligned(4096)));
static u8 user_stack_page[4096] __attribute__((aligned(4096)));
extern char __user_start[], __user_end[], __user_phys[];

#define TEST_VA 0x40200000u   /* pt_test[0] */
#define GLOBAL_VA 0x40201000u /* pt_test[1] */
#define BIG_VA 0x80000000u    /* pd2[0]: 2 MiB page -> 0x400000 */
#define BIG_PA 0x400000u
#define SUPER_PA 0x300000u    /* identity-mapped supervisor page */

u32 pae_cr3_value;
static void flush_all(void) { write_cr3(read_cr3()); }
static void expect(const char *name, u32 err, u32 cr2) {
    if (fault_vector == 14 && fault_err == err && fault_cr2 == cr2) { check(1, name); return; }
    check(0, name);
    printf("  (vector %u error 0x%x cr2 %08x; want 14, 0x%x, %08x)\n", fault_vector, fault_err, fault_cr2, err, cr2);
}

/* ring 3 */
static volatile u32 user_pf_err, user_pf_cr2, user_pf_count;
static void on_user_pf(struct frame *f) {
    if ((f->cs & 3) != 3) { printf("FAIL: unexpected #PF(0x%x) at %08x cr2=%08x\n", f->err, f->eip, read_cr2()); exit(3); }
    user_pf_err = f->err; user_pf_cr2 = read_cr2(); user_pf_count++;
    return_to_kernel(14);
}
static void on_int80(struct frame *f) { return_to_kernel(f->eax); }
extern char user_read_super[], user_write_super[], user_read_test[], user_read_own[];
__asm__(".pushsection .user.text, \"ax\"\n"
        "user_read_super:\n\tmov 0x300000, %eax\n\tmov $0x80, %eax\n\tint $0x80\n"
        "user_write_super:\n\tmovl $1, 0x300000\n\tmov $0x80, %eax\n\tint $0x80\n"
        "user_read_test:\n\tmov 0x40200000, %eax\n\tmov $0x80, %eax\n\tint $0x80\n"
        "user_read_own:\n\tmov 0x40000000, %eax\n\tint $0x80\n"
        ".popsection\n");

int main(void) {
    puts("pae: PAE paging, 2 MiB pages, #PF error codes and CR2, reserved bits, global pages\n");
    for (u32 i = 0; i < 8; i++) pd0[i] = ((u64)i << 21) | PTE_P | PTE_W | PTE_PS;
    u32 n = ((u32)__user_end - (u32)__user_start) >> 12;
    for (u32 i = 0; i < n; i++) pt_user[i] = ((u32)__user_phys + (i << 12)) | PTE_P | PTE_W | PTE_U;
    pt_user[USER_STACK_PAGE] = (u32)user_stack_page | PTE_P | PTE_W | PTE_U;
    pd1[0] = (u32)pt_user | PTE_P | PTE_W | PTE_U;
    pd1[1] = (u32)pt_test | PTE_P | PTE_W;              /* supervisor-only PDE */
    pd2[0] = BIG_PA | PTE_P | PTE_W | PTE_PS;
    pdpt[0] = (u32)pd0 | PTE_P;
    pdpt[1] = (u32)pd1 | PTE_P;
    pdpt[2] = (u32)pd2 | PTE_P;
    pdpt[3] = (u32)pd3 | PTE_P;
    write_cr3((u32)pdpt);
    write_cr4(read_cr4() | CR4_PAE);
    write_cr0(read_cr0() | 0x80010000u);                 /* PG | WP */
    check((read_cr0() & 0x80000000u) != 0 && (read_cr4() & CR4_PAE) != 0, "PAE paging on (CR4.PAE, CR0.PG)");

    /* 4 KiB page */
    *(volatile u32 *)(page_a + 0x10) = 0xaaaa0001;
    pt_test[0] = (u32)page_a | PTE_P | PTE_W;
    flush_all();
    check_eq(*(volatile u32 *)(TEST_VA + 0x10), 0xaaaa0001, "4 KiB page through PDPTE 1 / PDE / PTE");
    check((pt_test[0] & (PTE_A | PTE_D)) == PTE_A && (pd1[1] & PTE_A) != 0, "read sets A in the PTE and the PDE, not D");
    *(volatile u32 *)(TEST_VA + 0x14) = 1;
    check((pt_test[0] & PTE_D) != 0, "write sets D in the PTE");
    check((u32)(pt_test[0] >> 32) == 0, "A/D updates leave the high dword of the entry alone");

    /* 2 MiB page */
    *(volatile u32 *)(BIG_PA + 0x12340) = 0xb16b16;
    check_eq(*(volatile u32 *)(BIG_VA + 0x12340), 0xb16b16, "2 MiB page (PDE.PS) maps 0x80000000 -> 0x400000");
    check((pd2[0] & (PTE_A | PTE_D)) == PTE_A, "read sets A in the 2 MiB PDE, not D");
    *(volatile u32 *)(BIG_VA + 0x1ffffc) = 7;
    check((pd2[0] & PTE_D) != 0 && *(volatile u32 *)(BIG_PA + 0x1ffffc) == 7, "write at the end of the 2 MiB page sets D and lands at 0x5ffffc");
    EXPECT_FAULT("3:\tmov 0x80200000, %%eax", "eax");
    expect("#PF read past the 2 MiB page (not-present PDE): error 0", 0, 0x80200000);

    /* #PF error codes and CR2 (supervisor) */
    pt_test[0] = 0;
    invlpg(TEST_VA);
    EXPECT_FAULT("3:\tmov 0x40200008, %%eax", "eax");
    expect("#PF read, not-present PTE: error 0, CR2", 0, 0x40200008);
    EXPECT_FAULT("3:\tmovl $1, 0x40200ffc", "memory");
    expect("#PF write, not-present PTE: error 2", 2, 0x40200ffc);
    pt_test[0] = (u32)page_a | PTE_P;
    invlpg(TEST_VA);
    EXPECT_FAULT("3:\tmovl $1, 0x40200100", "memory");
    expect("#PF supervisor write to a read-only page with CR0.WP=1: error 3", 3, 0x40200100);
    pt_test[0] = (u32)page_a | PTE_P | PTE_W | BIT63;
    invlpg(TEST_VA);
    EXPECT_FAULT("3:\tmov 0x40200020, %%eax", "eax");
    expect("#PF PTE bit 63 (XD) set while EFER.NXE=0 is reserved: error 9 (P|RSVD)", 9, 0x40200020);
    EXPECT_FAULT("3:\tmovl $1, 0x40200020", "memory");
    expect("#PF write through that PTE: error 0xb (P|W|RSVD)", 0xb, 0x40200020);
    pt_test[0] = (u32)page_a | PTE_P | PTE_W;
    invlpg(TEST_VA);
    pd2[0] = BIG_PA | PTE_P | PTE_W | PTE_PS | (1u << 13);
    invlpg(BIG_VA);
    EXPECT_FAULT("3:\tmov 0x80000040, %%eax", "eax");
    expect("#PF 2 MiB PDE with bit 13 set (reserved): error 9", 9, 0x80000040);
    pd2[0] = BIG_PA | PTE_P | PTE_W | PTE_PS;
    invlpg(BIG_VA);
    pd1[1] |= BIT63;
    invlpg(TEST_VA);
    EXPECT_FAULT("3:\tmov 0x40200000, %%eax", "eax");
    expect("#PF PDE bit 63 set while EFER.NXE=0: error 9", 9, 0x40200000);
    pd1[1] &= ~BIT63;
    invlpg(TEST_VA);
    check_eq(*(volatile u32 *)(TEST_VA + 0x10), 0xaaaa0001, "mapping usable again after the reserved bit is cleared");
    pt_test[2] = 0;
    EXPECT_FAULT("mov $0x40202000, %%eax\n3:\tjmp *%%eax", "eax");
    expect("#PF instruction fetch, not present, NXE=0: error 0 (no I/D bit)", 0, 0x40202000);
    check_eq(fault_eip, 0x40202000, "#PF on a fetch reports the target as the faulting EIP");

    /* MOV CR3 loads the four PDPTEs: a reserved bit in one is #GP(0) (SDM Vol. 3A 4.4.1) */
    pdpt[3] = (u32)pd3 | PTE_P | PTE_W;                 /* bit 1 is reserved in a PAE PDPTE */
    pae_cr3_value = (u32)pdpt;
    EXPECT_FAULT("mov pae_cr3_value, %%eax\n3:\tmov %%eax, %%cr3", "eax");
    check(fault_vector == 13 && fault_err == 0, "MOV CR3 with a reserved bit in a PDPTE raises #GP(0)");
    pdpt[3] = (u32)pd3 | PTE_P;
    flush_all();

    /* global pages */
    *(volatile u32 *)page_a = 0xa;
    *(volatile u32 *)page_b = 0xb;
    write_cr4(read_cr4() | CR4_PGE);
    pt_test[1] = (u32)page_a | PTE_P | PTE_W | PG_G;
    invlpg(GLOBAL_VA);
    check_eq(*(volatile u32 *)GLOBAL_VA, 0xa, "global page (PTE.G, CR4.PGE) maps page A");
    pt_test[1] = (u32)page_b | PTE_P | PTE_W | PG_G;
    write_cr4(read_cr4() & ~CR4_PGE);
    write_cr4(read_cr4() | CR4_PGE);
    check_eq(*(volatile u32 *)GLOBAL_VA, 0xb, "toggling CR4.PGE invalidates a global translation");
    pt_test[1] = (u32)page_a | PTE_P | PTE_W | PG_G;
    invlpg(GLOBAL_VA);
    check_eq(*(volatile u32 *)GLOBAL_VA, 0xa, "INVLPG invalidates a global translation");
    pt_test[0] = (u32)page_b | PTE_P | PTE_W;
    flush_all();
    check_eq(*(volatile u32 *)TEST_VA, 0xb, "a CR3 reload invalidates a non-global translation");

    /* ring 3: U/S is the AND of the PDE and PTE bits */
    set_handler(14, on_user_pf);
    set_handler(0x80, on_int80);
    u32 r = run_user((u32)user_read_own, USER_STACK_TOP);
    check(r != 14 && user_pf_count == 0, "ring 3 runs from a U page (PDE.U and PTE.U set)");
    r = run_user((u32)user_read_super, USER_STACK_TOP);
    check(r == 14 && user_pf_err == 5 && user_pf_cr2 == SUPER_PA, "#PF user read of a supervisor 2 MiB page: error 5, CR2");
    r = run_user((u32)user_write_super, USER_STACK_TOP);
    check(r == 14 && user_pf_err == 7 && user_pf_cr2 == SUPER_PA, "#PF user write of a supervisor page: error 7");
    pt_test[0] = (u32)page_a | PTE_P | PTE_W | PTE_U;   /* PTE says user, the PDE does not */
    invlpg(TEST_VA);
    r = run_user((u32)user_read_test, USER_STACK_TOP);
    check(r == 14 && user_pf_err == 5 && user_pf_cr2 == TEST_VA, "#PF user read with PTE.U=1 but PDE.U=0: error 5");
    set_handler(14, 0);
    puts("pae: NX not tested: no x86kit CPU profile advertises CPUID.80000001H:EDX.NX\n");
    report();
}
