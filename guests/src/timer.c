/*
 * timer: 8259A PIC + 8254 PIT + MC146818 RTC interrupts. Remaps the PIC, runs the PIT at
 * 1 kHz and waits with HLT, checks masking (an edge latched in IRR while masked is delivered
 * on unmask), counter latching, and the RTC periodic interrupt on IRQ 8 through the cascade.
 * Output does not depend on host speed. Expected output checked on QEMU 7.2 TCG:
 * guests/expected/timer.txt, QEMU status 1.
 */
#include "rt.h"

static volatile u32 ticks, rtc_ticks;
static void on_pit(struct frame *f) { (void)f; ticks++; pic_eoi(0); }
static void on_rtc(struct frame *f) {
    (void)f;
    outb(0x70, 0x0c);
    (void)inb(0x71);               /* reading register C acknowledges the RTC interrupt */
    rtc_ticks++;
    pic_eoi(8);
}

int main(void) {
    puts("timer: PIC, PIT and RTC interrupts\n");
    pic_remap(0x20, 0x28);
    set_handler(0x20, on_pit);
    set_handler(0x28, on_rtc);
    pit_start(1000);
    pic_mask(0xfffe);              /* only IRQ 0 */
    sti();
    while (ticks < 10) hlt();
    check(ticks >= 10, "PIT IRQ 0 woke HLT 10 times (vector 0x20)");

    /* latch channel 0 and read the count: it is below the reload value 1193 */
    cli();
    outb(0x43, 0x00);
    u32 lo = inb(0x40), hi = inb(0x40);
    u32 count = lo | (hi << 8);
    check(count <= 1193, "PIT counter latch reads a count <= reload value");

    /* masked: no interrupt is delivered, but the edge stays pending in IRR */
    pic_mask(0xffff);
    u32 before = ticks;
    sti();
    /* wait for the counter to wrap twice: at least one full period, so IRQ 0 fired at the PIC */
    for (int wraps = 0; wraps < 2;) {
        outb(0x43, 0x00);
        u32 c = inb(0x40);
        c |= (u32)inb(0x40) << 8;
        if (c > count) wraps++;
        count = c;
    }
    /* The edge reaches the PIC when the PIT's OUT rises; QEMU raises it from a host-timer callback
       that can lag the counter it reports under host load, so give it up to 1000 more periods. */
    outb(0x20, 0x0a);              /* OCW3: read IRR */
    for (int wraps = 0; wraps < 1000 && (inb(0x20) & 1) == 0;) {
        outb(0x43, 0x00);
        u32 c = inb(0x40);
        c |= (u32)inb(0x40) << 8;
        if (c > count) wraps++;
        count = c;
        outb(0x20, 0x0a);
    }
    check_eq(ticks, before, "masked IRQ 0 is not delivered");
    check((inb(0x20) & 1) != 0, "masked IRQ 0 is pending in IRR");
    pic_mask(0xfffe);
    hlt();
    check(ticks > before, "unmasking delivers the pending IRQ 0");

    /* RTC periodic interrupt (rate 6 = 1024 Hz) on IRQ 8 via the slave PIC on IRQ 2 */
    cli();
    pic_mask(0xfefb);              /* IRQ 2 (cascade) and IRQ 8 */
    outb(0x70, 0x8a);              /* register A (NMI stays disabled while we program) */
    outb(0x71, (u8)((inb(0x71) & 0xf0) | 6));
    outb(0x70, 0x8b);
    u8 b = inb(0x71);
    outb(0x70, 0x8b);
    outb(0x71, (u8)(b | 0x40));    /* PIE */
    outb(0x70, 0x0c);
    (void)inb(0x71);
    sti();
    while (rtc_ticks < 5) hlt();
    check(rtc_ticks >= 5, "RTC periodic interrupt on IRQ 8 (vector 0x28) 5 times");
    cli();
    outb(0x70, 0x8b);
    outb(0x71, b);
    outb(0x70, 0x0a);
    check((inb(0x71) & 0x7f) != 0x7f, "CMOS register A readable");
    report();
}
