/*
 * modes: protected mode -> 16-bit protected mode -> real mode -> protected mode (Intel SDM
 * Vol. 3A 10.9). In real mode the trampoline prints through the UART, uses segment
 * arithmetic (0x0100:0x0010 = linear 0x1010), reads MSW and takes a software interrupt
 * through a real-mode IVT entry. Then: ring 0 -> ring 3 -> ring 0 through int 0x80.
 * Expected output checked on QEMU 7.2 TCG: guests/expected/modes.txt, QEMU status 1.
 */
#include "rt.h"

extern char user_ring3[];
__asm__(".pushsection .user.text, \"ax\"\n"
        "user_ring3:\n\tmov %cs, %eax\n\tmov %eax, %ebx\n\tmov %ss, %ecx\n\tpushf\n\tpop %edx\n\tmovl $0x33, %eax\n\tint $0x80\n"
        ".popsection\n");
static u32 seen_cs, seen_ss;
static void on_syscall(struct frame *f) {
    seen_cs = f->ebx;
    seen_ss = f->ecx;
    return_to_kernel(f->eax);
}

int main(void) {
    puts("modes: real mode round trip and ring 3\n");
    *(volatile u16 *)0x1010 = 0;
    *(volatile u16 *)0x1012 = 0xffff;
    *(volatile u16 *)0x1014 = 0;
    check_eq((u32)real_mode_roundtrip(), 1, "returned to 32-bit protected mode");
    check_eq(*(volatile u16 *)0x1010, 0xbeef, "real-mode store through ES=0x0100 reached linear 0x1010");
    check_eq(*(volatile u16 *)0x1012 & 1, 0, "MSW.PE was 0 in real mode");
    check_eq(*(volatile u16 *)0x1014, 0x5a5a, "real-mode INT 0x40 through the IVT");
    check((read_cr0() & 1) != 0, "CR0.PE set again");

    paging_identity(PTE_P | PTE_W);
    paging_map_user();
    paging_enable();
    set_handler(0x80, on_syscall);
    u32 r = run_user((u32)user_ring3, USER_STACK_TOP);
    check_eq(r, 0x33, "ring 3 code ran and came back through int 0x80");
    check_eq(seen_cs, UCODE, "CS in ring 3 is the user code selector (RPL 3)");
    check_eq(seen_ss, UDATA, "SS in ring 3 is the user data selector");
    report();
}
