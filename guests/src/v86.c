/*
 * v86: virtual-8086 mode under a tiny 32-bit monitor (Intel SDM Vol. 3B ch. 20 "8086 Emulation",
 * Vol. 1 ch. 19 "Input/Output"): the IOPL-sensitive instructions (CLI, STI, PUSHF, POPF, INT n,
 * IRET) raise #GP(0) to the monitor when IOPL < 3 and run directly when IOPL = 3; INT3 is not
 * IOPL-sensitive (it meets the gate's DPL check instead); IN/OUT consult the TSS I/O permission
 * bitmap whatever the IOPL (allowed and denied ports, a word access whose two bits straddle a
 * bitmap byte, the last port before the trailing 0xFF byte, a port past the bitmap, the same port
 * once the TSS limit no longer covers the trailing byte); INT n through a DPL-3 interrupt gate
 * from v86 (the frame holds GS/FS/DS/ES, the handler starts with null data segments, IRET
 * reloads them from the frame); real-mode address arithmetic (segment * 16 + offset, no 20-bit
 * wrap with A20 on) and the 64 KiB segment limit.
 *
 * Protocol: each instruction under test is preceded by `mov $id, %si` and `mov $resume, %bx`;
 * the monitor's #GP handler logs (id, opcode at CS:IP, error code) and resumes at BX. HLT ends a
 * run (#GP, opcode 0xF4). Paging is off; the 16-bit code is copied to linear 0x2000 (CS=0x0200),
 * its data segment is 0x0300 (linear 0x3000), its stack 0x0100:0x0F00.
 * Expected output: guests/expected/v86.txt (see guests.json for the references it was checked on).
 */
#include "rt.h"

#define V86_TSS_SEL 0x40 /* GDT slot 8 */
#define CODE_SEG 0x0200
#define DATA_SEG 0x0300
#define DATA ((volatile u8 *)0x3000)
#define FL_VM 0x20000u
#define FL_IOPL3 0x3000u

/* A TSS with an I/O permission bitmap for ports 0..0x3ff and the trailing 0xFF byte (SDM Vol. 1 19.5.2). */
static struct __attribute__((packed, aligned(128))) {
    u32 link, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi, es, cs, ss, ds, fs, gs, ldt;
    u16 trap, iomap;
    u8 bitmap[128];
    u8 trailer;
} vtss;
extern char kstack_top[];

static void load_tss(u32 limit) {
    gdt_set(8, (u32)&vtss, limit, 0x89, 0); /* available 32-bit TSS */
    __asm__ volatile("ltr %w0" ::"r"(V86_TSS_SEL));
}
static void deny(u32 port) { vtss.bitmap[port >> 3] |= (u8)(1u << (port & 7)); }

/* What the CPU pushes on an interrupt or exception from virtual-8086 mode, after struct frame. */
struct v86_frame { struct frame f; u32 es, ds, fs, gs; };

#define LOG_MAX 32
static volatile u32 log_n, log_id[LOG_MAX], log_op[LOG_MAX], log_err[LOG_MAX], log_vm[LOG_MAX];
static void on_gp(struct frame *f) {
    if ((f->eflags & FL_VM) == 0) {
        printf("FAIL: unexpected #GP(0x%x) at %x:%08x outside v86\n", f->err, f->cs, f->eip);
        exit(3);
    }
    u8 op = *(u8 *)((f->cs << 4) + (f->eip & 0xffff));
    if (op == 0xf4) return_to_kernel(log_n); /* HLT ends the run */
    if (log_n < LOG_MAX) {
        log_id[log_n] = f->esi & 0xffff;
        log_op[log_n] = op;
        log_err[log_n] = f->err;
        log_vm[log_n] = 1;
        log_n++;
    }
    f->eip = f->ebx & 0xffff; /* resume after the instruction under test */
}
/* Index of the #GP logged for test `id`, or -1 when it ran without a fault. */
static int gp_of(u32 id) {
    for (u32 i = 0; i < log_n; i++) if (log_id[i] == id) return (int)i;
    return -1;
}
static void expect_gp(u32 id, u32 op, u32 err, const char *name) {
    int i = gp_of(id);
    if (i < 0) { check(0, name); printf("  (test %u ran without #GP)\n", id); return; }
    if (log_op[i] == op && log_err[i] == err) { check(1, name); return; }
    check(0, name);
    printf("  (test %u: #GP at opcode 0x%x error 0x%x, want opcode 0x%x error 0x%x)\n", id, log_op[i], log_err[i], op, err);
}
static void expect_no_gp(u32 id, const char *name) {
    int i = gp_of(id);
    check(i < 0, name);
    if (i >= 0) printf("  (test %u: #GP error 0x%x)\n", id, log_err[i]);
}

/* INT 0x42 through a DPL-3 interrupt gate from v86. */
static volatile u32 int_runs, int_cs, int_ip, int_fl, int_ss, int_sp, int_es, int_ds, int_fs, int_gs, int_entry_ds, int_entry_gs;
static void on_int42(struct frame *f) {
    struct v86_frame *v = (struct v86_frame *)f;
    int_runs++;
    int_cs = f->cs; int_ip = f->eip; int_fl = f->eflags; int_ss = f->ss; int_sp = f->esp;
    int_es = v->es; int_ds = v->ds; int_fs = v->fs; int_gs = v->gs;
    int_entry_ds = f->ds; int_entry_gs = f->gs; /* what isr_common saw on entry */
    v->gs = 0x4444;                             /* IRET must load GS from here */
}

/* u32 v86_enter(cs, ip, ss, sp, eflags): IRET into v86 with DS=ES=FS=GS=DATA_SEG; returns the
   value the monitor passes to return_to_kernel(). */
u32 v86_enter(u32 cs, u32 ip, u32 ss, u32 sp, u32 eflags);
__asm__(".text\n"
        "v86_enter:\n\t"
        "pushf\n\tpush %ebp\n\tpush %ebx\n\tpush %esi\n\tpush %edi\n\t"
        "mov %esp, user_return_esp\n\t"
        "mov %esp, %ebp\n\t"
        "push $0x0300\n\tpush $0x0300\n\tpush $0x0300\n\tpush $0x0300\n\t" /* gs fs ds es */
        "pushl 32(%ebp)\n\tpushl 36(%ebp)\n\tpushl 40(%ebp)\n\t"            /* ss sp eflags */
        "pushl 24(%ebp)\n\tpushl 28(%ebp)\n\t"                              /* cs ip */
        "iret\n");

/* The 16-bit code. T id, insn: log the test id in SI, the resume offset in BX, run insn. */
extern char v86_blob[], v86_blob_end[], v86_iopl0[], v86_iopl3[], v86_trailer[];
__asm__(".section .rodata\n"
        ".macro T id, insn:vararg\n\t"
        "mov $\\id, %si\n\tmov $(9f - v86_blob), %bx\n\t\\insn\n9:\n"
        ".endm\n"
        ".code16\n"
        "v86_blob:\n"
        /* ---- IOPL 0 ---- */
        "v86_iopl0:\n\t"
        "T 1, cli\n\t"
        "T 2, sti\n\t"
        "mov %sp, %di\n\t"
        "T 3, pushf\n\t"
        "mov %di, %ax\n\tsub %sp, %ax\n\tmov %ax, 0x00\n\t"           /* bytes pushed (0 when PUSHF faulted) */
        "T 4, popf\n\t"
        "T 5, int $0x42\n\t"
        "T 6, iret\n\t"
        "T 7, int3\n\t"
        "T 8, in $0x80, %al\n\t"                                        /* allowed */
        "T 9, in $0x84, %al\n\t"                                        /* denied */
        "mov $0x87, %dx\n\t"
        "T 10, in %dx, %ax\n\t"                                         /* 0x87 allowed, 0x88 denied */
        "mov $0x86, %dx\n\t"
        "T 11, in %dx, %ax\n\t"                                         /* 0x86, 0x87 allowed */
        "mov $0x3ff, %dx\n\tmov $0x5a, %al\n\t"
        "T 12, out %al, %dx\n\t"                                        /* last port of the bitmap */
        "mov $0, %al\n\t"
        "T 13, in %dx, %al\n\t"
        "mov %al, 0x02\n\t"
        "T 14, in %dx, %ax\n\t"                                         /* 0x3ff + 0x400: bit in the 0xFF byte */
        "mov $0x1000, %dx\n\t"
        "T 15, in %dx, %al\n\t"                                         /* past the TSS limit */
        "mov $0x1234, %ax\n\tmov %ax, %es\n\tmovw $0xcafe, %es:0x5678\n\t" /* linear 0x179b8 */
        "mov $0xffff, %ax\n\tmov %ax, %es\n\tmov %es:0x10, %ax\n\tmov %ax, 0x04\n\t" /* linear 0x100000 */
        "T 16, mov 0xffff, %ax\n\t"                                     /* word at DS:FFFF: past the limit */
        "T 17, hlt\n"
        /* ---- IOPL 3 ---- */
        "v86_iopl3:\n\t"
        "T 21, cli\n\t"
        "pushf\n\tpop %ax\n\tmov %ax, 0x20\n\t"
        "T 22, sti\n\t"
        "pushf\n\tpop %ax\n\tmov %ax, 0x22\n\t"
        "cli\n\t"
        "push $0x0002\n\t"
        "T 23, popf\n\t"                                                /* IOPL 0 in the image */
        "pushf\n\tpop %ax\n\tmov %ax, 0x24\n\t"
        "T 24, pushfl\n\t"
        "popl %eax\n\tmovl %eax, 0x28\n\t"
        "pushf\n\tpush %cs\n\tpush $(1f - v86_blob)\n\t"
        "T 25, iret\n\t"
        "movw $0xdead, 0x2c\n"                                          /* skipped by the IRET */
        "1:\tmovw $0x600d, 0x2e\n\t"
        "mov $0x1111, %ax\n\tmov %ax, %es\n\tmov $0x2222, %ax\n\tmov %ax, %fs\n\tmov $0x3333, %ax\n\tmov %ax, %gs\n\t"
        "mov %sp, %di\n\t"
        "T 26, int $0x42\n\t"
        "mov %es, %ax\n\tmov %ax, 0x30\n\tmov %fs, %ax\n\tmov %ax, 0x32\n\tmov %gs, %ax\n\tmov %ax, 0x34\n\t"
        "mov %ds, %ax\n\tmov %ax, 0x36\n\tmov %sp, %ax\n\tsub %di, %ax\n\tmov %ax, 0x38\n\t"
        "T 27, int $0x41\n\t"                                           /* DPL-0 gate */
        "T 28, in $0x84, %al\n\t"                                       /* the bitmap still applies */
        "T 29, in $0x80, %al\n\t"
        "T 30, hlt\n"
        /* ---- the TSS limit ends before the trailing 0xFF byte ---- */
        "v86_trailer:\n\t"
        "mov $0x3ff, %dx\n\t"
        "T 41, in %dx, %al\n\t"
        "mov $0x3f0, %dx\n\t"
        "T 42, in %dx, %al\n\t"
        "T 43, hlt\n"
        "v86_blob_end:\n"
        ".code32\n"
        ".purgem T\n"
        ".text\n");

static u32 run(char *entry, u32 eflags) {
    log_n = 0;
    return v86_enter(CODE_SEG, (u32)(entry - v86_blob), 0x0100, 0x0f00, eflags);
}

int main(void) {
    puts("v86: virtual-8086 monitor: IOPL-sensitive instructions, I/O bitmap, INT n frames, addressing\n");
    pic_remap(0x20, 0x28); /* every 8259 input masked: v86 code may set IF */
    memset(&vtss, 0, sizeof(vtss));
    vtss.ss0 = KDATA;
    vtss.esp0 = (u32)kstack_top;
    vtss.iomap = 0x68;
    deny(0x84);
    deny(0x88);
    vtss.trailer = 0xff;
    load_tss(0x68 + 128); /* covers the trailing byte */
    set_handler(13, on_gp);
    set_handler(0x42, on_int42);
    idt_set(0x42, isr_stubs[0x42], KCODE, 0xee); /* 32-bit interrupt gate, DPL 3 */
    idt_set(0x41, isr_stubs[0x41], KCODE, 0x8e); /* DPL 0 */
    memcpy((void *)0x2000, v86_blob, (u32)(v86_blob_end - v86_blob));
    memset((void *)DATA, 0, 0x100);
    *(volatile u16 *)0x179b8 = 0;

    /* IOPL 0 */
    run(v86_iopl0, FL_VM | 0x2);
    expect_gp(1, 0xfa, 0, "IOPL 0: CLI raises #GP(0)");
    expect_gp(2, 0xfb, 0, "IOPL 0: STI raises #GP(0)");
    expect_gp(3, 0x9c, 0, "IOPL 0: PUSHF raises #GP(0)");
    check_eq(*(volatile u16 *)(DATA + 0), 0, "IOPL 0: the faulting PUSHF pushed nothing");
    expect_gp(4, 0x9d, 0, "IOPL 0: POPF raises #GP(0)");
    expect_gp(5, 0xcd, 0, "IOPL 0: INT n raises #GP(0) (not delivered through the IDT)");
    expect_gp(6, 0xcf, 0, "IOPL 0: IRET raises #GP(0)");
    expect_gp(7, 0xcc, (3 << 3) | 2, "IOPL 0: INT3 is not IOPL-sensitive: DPL-0 gate gives #GP(3*8+2)");
    expect_no_gp(8, "I/O bitmap: IN from an allowed port (0x80)");
    expect_gp(9, 0xe4, 0, "I/O bitmap: IN from a denied port (0x84) raises #GP(0)");
    expect_gp(10, 0xed, 0, "I/O bitmap: word IN at 0x87 needs bit 0x88 in the next byte: #GP(0)");
    expect_no_gp(11, "I/O bitmap: word IN at 0x86 (both bits clear)");
    expect_no_gp(12, "I/O bitmap: OUT to port 0x3ff (last bit, trailing 0xFF byte inside the limit)");
    expect_no_gp(13, "I/O bitmap: IN from port 0x3ff");
    check_eq(DATA[2], 0x5a, "v86 OUT/IN reached the UART scratch register");
    expect_gp(14, 0xed, 0, "I/O bitmap: word IN at 0x3ff (port 0x400 is past the map): #GP(0)");
    expect_gp(15, 0xec, 0, "I/O bitmap: IN from port 0x1000 (bitmap byte past the TSS limit) raises #GP(0)");
    check_eq(*(volatile u16 *)0x179b8, 0xcafe, "v86 address: ES=0x1234 offset 0x5678 is linear 0x179b8");
    check_eq(*(volatile u16 *)(DATA + 4), 0xb002, "v86 address: 0xffff:0x0010 is linear 0x100000 (no wrap with A20 on)");
    expect_gp(16, 0xa1, 0, "v86: word load at DS:0xffff crosses the 64 KiB limit: #GP(0)");
    check(log_n == 12, "IOPL 0: exactly the expected instructions faulted");

    /* IOPL 3 */
    run(v86_iopl3, FL_VM | FL_IOPL3 | 0x2);
    expect_no_gp(21, "IOPL 3: CLI runs directly");
    check_eq(*(volatile u16 *)(DATA + 0x20) & 0x3200, 0x3000, "IOPL 3: PUSHF image shows IF=0, IOPL=3");
    expect_no_gp(22, "IOPL 3: STI runs directly");
    check_eq(*(volatile u16 *)(DATA + 0x22) & 0x200, 0x200, "IOPL 3: STI set IF");
    expect_no_gp(23, "IOPL 3: POPF runs directly");
    check_eq(*(volatile u16 *)(DATA + 0x24) & 0x3000, 0x3000, "IOPL 3: POPF in v86 does not change IOPL");
    expect_no_gp(24, "IOPL 3: PUSHFD runs directly");
    check_eq(*(volatile u32 *)(DATA + 0x28) & 0x30000, 0, "IOPL 3: PUSHFD image has VM and RF clear");
    expect_no_gp(25, "IOPL 3: IRET runs directly");
    check(*(volatile u16 *)(DATA + 0x2e) == 0x600d && *(volatile u16 *)(DATA + 0x2c) == 0, "IOPL 3: IRET returned to the pushed CS:IP");
    expect_no_gp(26, "IOPL 3: INT n through a DPL-3 interrupt gate");
    check_eq(int_runs, 1, "INT 0x42 from v86 reached the ring-0 handler once");
    check(int_cs == CODE_SEG && (int_fl & FL_VM) != 0, "INT from v86: frame CS is the v86 CS and EFLAGS.VM is set");
    check(int_ss == 0x0100 && int_sp > 0x0e00 && int_sp <= 0x0f00, "INT from v86: frame holds the v86 SS:SP");
    check(int_es == 0x1111 && int_fs == 0x2222 && int_gs == 0x3333 && int_ds == DATA_SEG, "INT from v86: frame holds ES, DS, FS, GS");
    check(int_entry_ds == 0 && int_entry_gs == 0, "INT from v86: the handler starts with null DS and GS");
    check_eq(*(volatile u16 *)(DATA + 0x34), 0x4444, "IRET to v86 loads GS from the frame");
    check(*(volatile u16 *)(DATA + 0x30) == 0x1111 && *(volatile u16 *)(DATA + 0x32) == 0x2222 && *(volatile u16 *)(DATA + 0x36) == DATA_SEG,
          "IRET to v86 restores ES, FS, DS");
    check_eq(*(volatile u16 *)(DATA + 0x38), 0, "INT from v86 leaves the v86 stack untouched");
    expect_gp(27, 0xcd, (0x41 << 3) | 2, "IOPL 3: INT n to a DPL-0 gate raises #GP(0x41*8+2)");
    expect_gp(28, 0xe4, 0, "IOPL 3: the I/O bitmap still denies port 0x84");
    expect_no_gp(29, "IOPL 3: port 0x80 allowed");
    check(log_n == 2, "IOPL 3: exactly the expected instructions faulted");

    /* The TSS limit no longer covers the trailing byte: the CPU reads two bitmap bytes. */
    load_tss(0x68 + 127); /* gdt_set rewrites the descriptor as available, so LTR accepts it again */
    run(v86_trailer, FL_VM | 0x2);
    expect_gp(41, 0xec, 0, "I/O bitmap: without the trailing byte in the limit, IN from 0x3ff raises #GP(0)");
    expect_no_gp(42, "I/O bitmap: port 0x3f0 (both bytes inside the limit) allowed");
    report();
}
