/*
 * apic: the local APIC (Intel SDM Vol. 3A ch. 11): ID/version registers, software enable
 * through the spurious-interrupt vector register, a one-shot timer interrupt delivered
 * while halted, EOI, a periodic timer, and a self-IPI through the ICR. The 8259s are masked.
 * Expected output checked on QEMU 7.2 TCG: guests/expected/apic.txt, QEMU status 1.
 */
#include "rt.h"

#define LAPIC 0xfee00000u
static u32 lapic_read(u32 reg) { return *(volatile u32 *)(LAPIC + reg); }
static void lapic_write(u32 reg, u32 v) { *(volatile u32 *)(LAPIC + reg) = v; }
static volatile u32 timer_hits, ipi_hits, spurious_hits;
static void on_timer(struct frame *f) { (void)f; timer_hits++; lapic_write(0xb0, 0); }
static void on_ipi(struct frame *f) { (void)f; ipi_hits++; lapic_write(0xb0, 0); }
static void on_spurious(struct frame *f) { (void)f; spurious_hits++; }

int main(void) {
    puts("apic: local APIC registers, timer and self-IPI\n");
    pic_remap(0x20, 0x28);                                   /* 8259s masked */
    u32 ver = lapic_read(0x30);
    check((ver & 0xff) >= 0x10 && (ver & 0xff) <= 0x15, "version register: integrated APIC (0x10..0x15)");
    check(((ver >> 16) & 0xff) >= 2, "version register: at least 3 LVT entries");
    check_eq(lapic_read(0x20) >> 24, 0, "APIC ID of the boot processor is 0");
    set_handler(0x40, on_timer);
    set_handler(0x41, on_ipi);
    set_handler(0xff, on_spurious);
    lapic_write(0xf0, 0x1ff);                                /* software enable, spurious vector 0xFF */
    check((lapic_read(0xf0) & 0x100) != 0, "SVR software-enable bit set");
    lapic_write(0x80, 0);                                    /* TPR 0 */
    lapic_write(0x3e0, 0x3);                                 /* divide by 16 */
    lapic_write(0x320, 0x40);                                /* LVT timer: one-shot, vector 0x40 */
    lapic_write(0x380, 100000);                              /* initial count */
    check(lapic_read(0x390) <= 100000, "current count starts at or below the initial count");
    while (timer_hits == 0) __asm__ volatile("sti\n\thlt\n\tcli"); /* STI's shadow makes STI;HLT atomic */
    check_eq(timer_hits, 1, "one-shot timer interrupt (vector 0x40) woke HLT");
    check_eq(lapic_read(0x390), 0, "one-shot timer stops at 0");
    lapic_write(0x320, 0x20040);                             /* periodic */
    lapic_write(0x380, 20000);
    while (timer_hits < 4) __asm__ volatile("sti\n\thlt\n\tcli");
    lapic_write(0x320, 0x10040);                             /* masked */
    check(timer_hits >= 4, "periodic timer fired three more times");
    lapic_write(0x310, 0);
    lapic_write(0x300, 0x44041);                             /* self, fixed, vector 0x41 */
    sti();
    for (int i = 0; i < 1000 && ipi_hits == 0; i++) __asm__ volatile("nop");
    cli();
    check_eq(ipi_hits, 1, "self-IPI through the ICR delivered vector 0x41");
    check_eq(spurious_hits, 0, "no spurious interrupts");
    report();
}
