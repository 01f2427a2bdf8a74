/*
 * demo: a tiny operating system, the guest of x86kit's main job. It switches from protected
 * mode to real mode and back, builds its own GDT/IDT/TSS, enables paging with the kernel
 * supervisor-only, programs the PIC and a 100 Hz PIT, and runs a user program in ring 3
 * (linked at 0x40000000) that makes system calls through int 0x80: write, getpid, ticks,
 * sleep (the kernel waits with STI; HLT for timer interrupts) and exit. A privileged
 * instruction in ring 3 is caught as #GP and skipped. The output does not depend on host speed.
 * Expected output checked on QEMU 7.2 TCG: guests/expected/demo.txt, QEMU status 1.
 */
#include "rt.h"

enum { SYS_EXIT = 1, SYS_WRITE = 2, SYS_GETPID = 3, SYS_TICKS = 4, SYS_SLEEP = 5 };

/* ---------------- the user program (ring 3, its own pages) ---------------- */
USER static int sys(int n, int a, int b) {
    int r;
    __asm__ volatile("int $0x80" : "=a"(r) : "a"(n), "b"(a), "c"(b) : "memory");
    return r;
}
USER static int ulen(const char *s) { int n = 0; while (s[n]) n++; return n; }
USER static void uputs(const char *s) { sys(SYS_WRITE, (int)s, ulen(s)); }
USER static void uputn(u32 v) {
    char *p = (char *)(USER_STACK_TOP - 64); /* scratch on the user stack page, below the stack */
    int n = 0;
    char tmp[12];
    do { tmp[n++] = (char)('0' + v % 10); v /= 10; } while (v);
    for (int i = 0; i < n; i++) p[i] = tmp[n - 1 - i];
    p[n] = 0;
    uputs(p);
}
USER_DATA static const char m_hello[] = "user: hello from ring 3, pid ";
USER_DATA static const char m_nl[] = "\n";
USER_DATA static const char m_primes[] = "user: sum of primes below 10000 = ";
USER_DATA static const char m_sleep[] = "user: sleeping 5 ticks... ";
USER_DATA static const char m_woke[] = "woke up after at least 5 ticks\n";
USER_DATA static const char m_bad[] = "woke up too early\n";
USER_DATA static const char m_cli[] = "user: trying a privileged instruction (hlt)\n";
USER_DATA static const char m_bye[] = "user: bye\n";

USER void user_main(void) {
    uputs(m_hello);
    uputn((u32)sys(SYS_GETPID, 0, 0));
    uputs(m_nl);
    u32 sum = 0;
    for (u32 n = 2; n < 10000; n++) {
        int prime = 1;
        for (u32 d = 2; d * d <= n; d++) if (n % d == 0) { prime = 0; break; }
        if (prime) sum += n;
    }
    uputs(m_primes);
    uputn(sum);
    uputs(m_nl);
    uputs(m_sleep);
    int t0 = sys(SYS_TICKS, 0, 0);
    sys(SYS_SLEEP, 5, 0);
    int t1 = sys(SYS_TICKS, 0, 0);
    uputs(t1 - t0 >= 5 ? m_woke : m_bad);
    uputs(m_cli);
    __asm__ volatile("hlt");
    uputs(m_bye);
    sys(SYS_EXIT, 0, 0);
    for (;;) {}
}

/* ---------------- the kernel ---------------- */
static volatile u32 ticks;
static u32 syscalls, gp_faults;

static void on_timer(struct frame *f) { (void)f; ticks++; pic_eoi(0); }

static void on_gp(struct frame *f) {
    if ((f->cs & 3) != 3) { printf("kernel: #GP(0x%x) in ring 0 at %08x\n", f->err, f->eip); exit(3); }
    gp_faults++;
    printf("kernel: #GP(%u) from ring 3 at %08x, skipping the instruction\n", f->err, f->eip);
    f->eip += 1; /* the only privileged instruction the user program tries is the 1-byte HLT */
}

static void on_syscall(struct frame *f) {
    syscalls++;
    switch (f->eax) {
    case SYS_WRITE: {
        const char *s = (const char *)f->ebx;
        u32 n = f->ecx;
        if ((u32)s < USER_BASE || n > 4096) { f->eax = (u32)-1; return; }
        for (u32 i = 0; i < n; i++) putc(s[i]);
        f->eax = n;
        return;
    }
    case SYS_GETPID: f->eax = 1; return;
    case SYS_TICKS: f->eax = ticks; return;
    case SYS_SLEEP: {
        u32 until = ticks + f->ebx;
        while (ticks < until) { sti(); hlt(); cli(); }
        f->eax = 0;
        return;
    }
    case SYS_EXIT: return_to_kernel(f->ebx);
    default: f->eax = (u32)-1; return;
    }
}

int main(void) {
    puts("x86kit demo OS\n");
    printf("boot: multiboot, 32-bit protected mode, %u KiB of memory above 1 MiB\n", mb->mem_upper >= 65536 ? 65536 : mb->mem_upper);
    *(volatile u16 *)0x1010 = 0;
    real_mode_roundtrip();
    check_eq(*(volatile u16 *)0x1010, 0xbeef, "switched to real mode and back");

    paging_identity(PTE_P | PTE_W);   /* kernel: supervisor-only */
    paging_map_user();                /* user program at 0x40000000, ring 3 accessible */
    paging_enable();
    check((read_cr0() & 0x80010001u) == 0x80010001u, "paging enabled (CR0.PG, CR0.WP)");

    pic_remap(0x20, 0x28);
    set_handler(0x20, on_timer);
    set_handler(13, on_gp);
    set_handler(0x80, on_syscall);
    pit_start(100);
    pic_mask(0xfffe);
    sti();
    while (ticks < 2) hlt();
    check(ticks >= 2, "timer interrupts at 100 Hz");

    puts("kernel: starting the user program in ring 3\n");
    u32 status = run_user((u32)user_main, USER_STACK_TOP);
    cli();
    printf("kernel: user program exited with status %u after %u system calls\n", status, syscalls);
    check(status == 0 && syscalls == 15, "user program made 15 system calls and exited with 0");
    check_eq(gp_faults, 1, "one #GP from ring 3 caught");
    report();
}
