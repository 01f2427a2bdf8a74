/* Minimal /init for the x86kit Linux boot measurement: print one line on the console, then power off (ACPI S5). No libc; i386 system calls through int 0x80. */
static long sys(long n, long a, long b, long c, long d) {
    long r;
    __asm__ volatile("int $0x80" : "=a"(r) : "a"(n), "b"(a), "c"(b), "d"(c), "S"(d) : "memory");
    return r;
}
static const char msg[] = "x86kit-init: hello from user space (PID 1) under x86kit\n";
void _start(void) {
    int fd = sys(5, (long)"/dev/console", 2, 0, 0);   /* open(O_RDWR) */
    sys(4, fd >= 0 ? fd : 1, (long)msg, sizeof(msg) - 1, 0);
    sys(88, 0xfee1dead, 672274793, 0x4321fedc, 0);   /* reboot(POWER_OFF) */
    for (;;) sys(29, 0, 0, 0, 0);                    /* pause */
}
