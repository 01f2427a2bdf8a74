/* x86kit guest runtime: console, exit, checks, GDT/IDT/TSS, PIC/PIT, paging. See rt.h. */
#include "rt.h"
#include <stdarg.h>

u32 mb_magic;
struct mb_info *mb;

/* ---- memory ---- */
void *memset(void *d, int c, u32 n) { u8 *p = d; while (n--) *p++ = (u8)c; return d; }
void *memcpy(void *d, const void *s, u32 n) { u8 *p = d; const u8 *q = s; while (n--) *p++ = *q++; return d; }
u32 strlen(const char *s) { u32 n = 0; while (s[n]) n++; return n; }
int strcmp(const char *a, const char *b) { while (*a && *a == *b) { a++; b++; } return (u8)*a - (u8)*b; }

/* ---- COM1 ---- */
#define COM1 0x3f8
static void serial_init(void) {
    outb(COM1 + 1, 0x00); /* no interrupts */
    outb(COM1 + 3, 0x80); /* DLAB */
    outb(COM1 + 0, 0x01); /* 115200 baud */
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03); /* 8N1 */
    outb(COM1 + 2, 0xc7); /* FIFOs on, cleared */
    outb(COM1 + 4, 0x03); /* DTR, RTS */
}
void putc(char c) {
    for (int i = 0; i < 100000 && (inb(COM1 + 5) & 0x20) == 0; i++) {}
    outb(COM1, (u8)c);
}
void puts(const char *s) { while (*s) putc(*s++); }

static void print_num(u32 v, int base, int width, char pad, int neg) {
    char buf[12];
    int n = 0;
    do { buf[n++] = "0123456789abcdef"[v % (u32)base]; v /= (u32)base; } while (v);
    if (neg) buf[n++] = '-';
    while (n < width) buf[n++] = pad;
    while (n) putc(buf[--n]);
}

/* printf subset: %s %c %d %u %x %%, with an optional 0 flag and width (e.g. %08x). */
void printf(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    for (; *fmt; fmt++) {
        if (*fmt != '%') { putc(*fmt); continue; }
        char pad = ' ';
        int width = 0;
        fmt++;
        if (*fmt == '0') { pad = '0'; fmt++; }
        while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (*fmt++ - '0');
        switch (*fmt) {
        case 's': { const char *s = va_arg(ap, const char *); puts(s ? s : "(null)"); break; }
        case 'c': putc((char)va_arg(ap, int)); break;
        case 'd': { i32 v = va_arg(ap, i32); print_num(v < 0 ? (u32)-v : (u32)v, 10, width, pad, v < 0); break; }
        case 'u': print_num(va_arg(ap, u32), 10, width, pad, 0); break;
        case 'x': print_num(va_arg(ap, u32), 16, width, pad, 0); break;
        case '%': putc('%'); break;
        default: putc('?'); break;
        }
    }
    va_end(ap);
}

/* isa-debug-exit: QEMU exits with status (code << 1) | 1. */
void exit(int code) {
    outb(0xf4, (u8)code);
    for (;;) { cli(); hlt(); }
}

static u32 passed, failed;
void check(int ok, const char *name) {
    if (ok) { passed++; printf("PASS: %s\n", name); }
    else { failed++; printf("FAIL: %s\n", name); }
}
void check_eq(u32 got, u32 want, const char *name) {
    if (got == want) { passed++; printf("PASS: %s\n", name); }
    else { failed++; printf("FAIL: %s (got 0x%x, want 0x%x)\n", name, got, want); }
}
void report(void) {
    printf("SUMMARY: %u passed, %u failed\n", passed, failed);
    exit(failed ? 1 : 0);
}

/* ---- GDT / TSS ---- */
struct __attribute__((packed)) gdt_entry { u16 limit_lo, base_lo; u8 base_mid, access, flags_limit_hi, base_hi; };
struct __attribute__((packed)) dtr { u16 limit; u32 base; };
static struct gdt_entry gdt[GDT_ENTRIES] __attribute__((aligned(8)));
static struct __attribute__((packed)) { u32 link, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi, es, cs, ss, ds, fs, gs, ldt; u16 trap, iomap; } tss;
u32 tss_esp0;
extern char kstack_top[];

void gdt_set(int i, u32 base, u32 limit, u8 access, u8 flags) {
    gdt[i].limit_lo = (u16)limit;
    gdt[i].base_lo = (u16)base;
    gdt[i].base_mid = (u8)(base >> 16);
    gdt[i].access = access;
    gdt[i].flags_limit_hi = (u8)((flags << 4) | ((limit >> 16) & 0xf));
    gdt[i].base_hi = (u8)(base >> 24);
}
void gdt_reload(void) {
    struct dtr d = { sizeof(gdt) - 1, (u32)gdt };
    __asm__ volatile("lgdt %0\n\t"
                     "ljmp $0x08, $1f\n1:\n\t"
                     "mov $0x10, %%ax\n\tmov %%ax, %%ds\n\tmov %%ax, %%es\n\tmov %%ax, %%ss\n\t"
                     "mov %%ax, %%fs\n\tmov %%ax, %%gs" ::"m"(d) : "eax", "memory");
}

/* ---- IDT ---- */
struct __attribute__((packed)) idt_entry { u16 off_lo, sel; u8 zero, type_attr; u16 off_hi; };
static struct idt_entry idt[256] __attribute__((aligned(8)));
static handler_t handlers[256];
extern char isr_stub_base[];
u32 isr_stubs[256];

void idt_set(int vec, u32 offset, u16 sel, u8 type_attr) {
    idt[vec].off_lo = (u16)offset;
    idt[vec].sel = sel;
    idt[vec].zero = 0;
    idt[vec].type_attr = type_attr;
    idt[vec].off_hi = (u16)(offset >> 16);
}
void set_handler(int vec, handler_t h) { handlers[vec] = h; }

volatile u32 fault_resume;
volatile u32 fault_vector, fault_err, fault_eip, fault_count, fault_start, fault_end, fault_cr2;

void isr_dispatch(struct frame *f) {
    if (handlers[f->vector]) { handlers[f->vector](f); return; }
    if (fault_resume) {
        fault_vector = f->vector;
        fault_err = f->err;
        fault_eip = f->eip;
        fault_cr2 = read_cr2();
        fault_count++;
        f->eip = fault_resume;
        f->eflags &= ~0x100u; /* a #DB single-step trap must not repeat */
        fault_resume = 0;
        return;
    }
    printf("FAIL: unexpected exception %u error 0x%x at %x:%08x (cr2=%08x)\n", f->vector, f->err, f->cs, f->eip, read_cr2());
    exit(3);
}

/* ---- PIC / PIT ---- */
void pic_remap(u8 master, u8 slave) {
    outb(0x20, 0x11); outb(0xa0, 0x11);     /* ICW1: edge, cascade, ICW4 */
    outb(0x21, master); outb(0xa1, slave);  /* ICW2: vector bases */
    outb(0x21, 0x04); outb(0xa1, 0x02);     /* ICW3: slave on IRQ2 */
    outb(0x21, 0x01); outb(0xa1, 0x01);     /* ICW4: 8086 mode */
    outb(0x21, 0xff); outb(0xa1, 0xff);     /* all masked */
}
void pic_mask(u16 mask) { outb(0x21, (u8)mask); outb(0xa1, (u8)(mask >> 8)); }
void pic_eoi(int irq) { if (irq >= 8) outb(0xa0, 0x20); outb(0x20, 0x20); }
void pit_start(u32 hz) {
    u32 div = 1193182 / hz;
    outb(0x43, 0x34); /* channel 0, lobyte/hibyte, mode 2 */
    outb(0x40, (u8)div);
    outb(0x40, (u8)(div >> 8));
}

/* ---- paging ---- */
u32 page_dir[1024] __attribute__((aligned(4096)));
u32 page_tables[4][1024] __attribute__((aligned(4096)));
void paging_identity(u32 pte_flags) {
    for (int t = 0; t < 4; t++) {
        for (int i = 0; i < 1024; i++) page_tables[t][i] = ((u32)(t * 1024 + i) << 12) | pte_flags;
        page_dir[t] = (u32)page_tables[t] | PTE_P | PTE_W | PTE_U;
    }
    for (int i = 4; i < 1024; i++) page_dir[i] = 0;
    page_tables[0][0] = 0; /* leave page 0 unmapped to catch null pointers */
}
void paging_enable(void) {
    write_cr3((u32)page_dir);
    write_cr0(read_cr0() | 0x80010000u); /* PG | WP */
}
u32 *pte_of(u32 va) { return &page_tables[va >> 22][(va >> 12) & 1023]; }

/* The .user section (linked at 0x40000000) and a user stack page, mapped for ring 3. */
extern char __user_start[], __user_end[], __user_phys[];
u32 user_pt[1024] __attribute__((aligned(4096)));
static u8 user_stack[4096] __attribute__((aligned(4096)));
void paging_map_user(void) {
    u32 n = ((u32)__user_end - (u32)__user_start) >> 12;
    for (u32 i = 0; i < n; i++) user_pt[i] = ((u32)__user_phys + (i << 12)) | PTE_P | PTE_W | PTE_U;
    user_pt[USER_STACK_PAGE] = (u32)user_stack | PTE_P | PTE_W | PTE_U;
    page_dir[USER_BASE >> 22] = (u32)user_pt | PTE_P | PTE_W | PTE_U;
}

/* The runtime task's TSS holds CR3 for returns to it through a task switch (the CPU never saves CR3). */
void tss_set_cr3(u32 cr3) { tss.cr3 = cr3; }

/* ---- entry ---- */
void rt_start(u32 magic, struct mb_info *info) {
    mb_magic = magic;
    mb = info;
    serial_init();
    gdt_set(1, 0, 0xfffff, 0x9a, 0xc);  /* kernel code */
    gdt_set(2, 0, 0xfffff, 0x92, 0xc);  /* kernel data */
    gdt_set(3, 0, 0xfffff, 0xfa, 0xc);  /* user code, DPL 3 */
    gdt_set(4, 0, 0xfffff, 0xf2, 0xc);  /* user data, DPL 3 */
    tss.ss0 = KDATA;
    tss.esp0 = 0;
    tss.iomap = sizeof(tss);
    gdt_set(5, (u32)&tss, sizeof(tss) - 1, 0x89, 0x0); /* available 32-bit TSS */
    gdt_set(6, 0, 0xffff, 0x9a, 0x0);  /* 16-bit code */
    gdt_set(7, 0, 0xffff, 0x92, 0x0);  /* 16-bit data */
    gdt_reload();
    __asm__ volatile("ltr %w0" ::"r"(TSS_SEL));
    tss.esp0 = (u32)kstack_top;
    for (int v = 0; v < 256; v++) {
        isr_stubs[v] = (u32)isr_stub_base + 16u * (u32)v;
        idt_set(v, isr_stubs[v], KCODE, v == 0x80 ? 0xee : 0x8e); /* int 0x80 callable from ring 3 */
    }
    struct dtr d = { sizeof(idt) - 1, (u32)idt };
    __asm__ volatile("lidt %0" ::"m"(d));
    exit(main());
}

