/*
 * gates: what system.c and exceptions.c leave out of protected-mode control transfers and tasks
 * (Intel SDM Vol. 3A ch. 5.8 "Privilege Level Checking When Transferring Program Control Between
 * Code Segments", ch. 7 "Task Management", Vol. 2 CALL/JMP/RET/IRET): a JMP to a TSS (busy bits
 * move, no back link, NT stays 0), the outgoing task's registers and EIP saved in its TSS, CR3
 * loaded from the new TSS, CALL to a busy TSS (#GP), IRET with NT=1 whose back link is not busy
 * (#TS), an exception through a task gate (error code pushed on the handler task's stack),
 * conforming code called from ring 3 (CPL stays 3), a call gate with DPL < CPL (#GP), a far RET
 * to ring 3 nulling DS/ES that hold DPL-0 segments, an LDT data segment, and an expand-down
 * data segment's limit.
 * Expected output: guests/expected/gates.txt (see guests.json for the references it was checked on).
 */
#include "rt.h"

struct tss32 { u32 link, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi, es, cs, ss, ds, fs, gs, ldt; u16 trap, iomap; } __attribute__((packed));

#define TSSB_SEL 0x40   /* slot 8 */
#define TSSC_SEL 0x48   /* slot 9: #GP handler task */
#define CONF_SEL 0x50   /* slot 10: conforming code, DPL 0 */
#define GATE0_SEL 0x58  /* slot 11: call gate DPL 0 */
#define GATE3_SEL 0x60  /* slot 12: call gate DPL 3 -> ring 0, returns with DS/ES = DPL 0 data */
#define LDT_SEL 0x68    /* slot 13 */
#define EDOWN_SEL 0x70  /* slot 14: expand-down data, limit 0xfff */
#define ALT_VA 0x50000000u

static u32 gdt_base(void) {
    struct { u16 limit; u32 base; } __attribute__((packed)) gdtr;
    __asm__ volatile("sgdt %0" : "=m"(gdtr));
    return gdtr.base;
}
static u8 gdt_type(u16 sel) { return *(u8 *)(gdt_base() + (sel & ~7u) + 5) & 0x0f; }
static struct tss32 *tss_at(u16 sel) {
    u8 *d = (u8 *)(gdt_base() + (sel & ~7u));
    return (struct tss32 *)(d[2] | (d[3] << 8) | (d[4] << 16) | ((u32)d[7] << 24));
}
static void set_call_gate(int slot, u32 target, u8 dpl) {
    u32 *e = (u32 *)(gdt_base() + (u32)slot * 8);
    e[0] = (target & 0xffff) | ((u32)KCODE << 16);
    e[1] = (target & 0xffff0000u) | 0x8000u | ((u32)dpl << 13) | (0xcu << 8);
}

static struct tss32 tssb __attribute__((aligned(128))), tssc __attribute__((aligned(128)));
static u8 stackb[2048] __attribute__((aligned(16))), stackc[2048] __attribute__((aligned(16)));
static u32 alt_dir[1024] __attribute__((aligned(4096)));
static u32 alt_pt[1024] __attribute__((aligned(4096)));
static u32 alt_page[1024] __attribute__((aligned(4096)));

/* task B: entered by JMP; records what it sees and JMPs back to the runtime task */
static volatile u32 b_runs, b_nt, b_link, b_rt_type, b_self_type, b_cr3, b_alt, b_saved_eax, b_saved_eip;
static void taskb_main(void) {
    for (;;) {
        b_runs++;
        b_nt = (read_eflags() >> 14) & 1;
        b_link = tssb.link;
        b_rt_type = gdt_type(TSS_SEL);
        b_self_type = gdt_type(TSSB_SEL);
        b_cr3 = read_cr3();
        b_alt = *(volatile u32 *)ALT_VA;
        b_saved_eax = tss_at(TSS_SEL)->eax;
        b_saved_eip = tss_at(TSS_SEL)->eip;
        __asm__ volatile("ljmp $0x28, $0" ::: "memory");
    }
}
u32 jmp_resume;

/* task C: the #GP handler through a task gate; the error code is on its stack */
u32 c_err, c_saw_eip, c_resume, c_runs, *c_rt_eip;
extern char taskc_entry[];
__asm__(".text\n"
        "taskc_entry:\n\t"
        "pop %eax\n\tmov %eax, c_err\n\t"
        "incl c_runs\n\t"
        "mov c_rt_eip, %edx\n\tmov (%edx), %ecx\n\tmov %ecx, c_saw_eip\n\t"
        "mov c_resume, %eax\n\tmov %eax, (%edx)\n\t"                 /* resume the faulting task after the fault */
        "iret\n\t"
        "jmp taskc_entry\n");

static void init_task(struct tss32 *t, u32 eip, u8 *stack, u32 size, u32 cr3) {
    memset(t, 0, sizeof(*t));
    t->eip = eip;
    t->esp = (u32)stack + size;
    t->cs = KCODE;
    t->ss = t->ds = t->es = t->fs = t->gs = KDATA;
    t->eflags = 0x2;
    t->cr3 = cr3;
    t->iomap = sizeof(*t);
}

/* ring 3 */
static volatile u32 int80_ebx, int80_ecx, int80_edx;
static void on_int80(struct frame *f) { int80_ebx = f->ebx; int80_ecx = f->ecx; int80_edx = f->edx; return_to_kernel(f->eax); }
static volatile u32 user_gp_err, user_gp_cs;
static void on_gp(struct frame *f) {
    if ((f->cs & 3) == 3) { user_gp_err = f->err; user_gp_cs = f->cs; return_to_kernel(0x13); }
    if (fault_resume) {  /* the runtime's expected-fault path */
        fault_vector = 13; fault_err = f->err; fault_eip = f->eip; fault_count++;
        f->eip = fault_resume; fault_resume = 0;
        return;
    }
    printf("FAIL: unexpected #GP(0x%x) at %x:%08x\n", f->err, f->cs, f->eip);
    exit(3);
}
extern char conf_target[], gate3_target[], user_conforming[], user_gate0[], user_gate3[];
__asm__(".text\n"
        "conf_target:\n\tmov %cs, %eax\n\tlret\n"
        "gate3_target:\n\tmov $0x10, %ax\n\tmov %ax, %ds\n\tmov %ax, %es\n\tlret\n"
        ".pushsection .user.text, \"ax\"\n"
        "user_conforming:\n\tlcall $0x50, $conf_target\n\tmov %cs, %ebx\n\tint $0x80\n"
        "user_gate0:\n\tlcall $0x5b, $0\n\tmov $0x99, %eax\n\tint $0x80\n"
        "user_gate3:\n\tlcall $0x63, $0\n\tmov %ds, %eax\n\tmov %es, %ebx\n\tmov %fs, %ecx\n\tmov %cs, %edx\n\tint $0x80\n"
        ".popsection\n");

static u32 ldt[4] __attribute__((aligned(8)));
static u32 ldt_data[4] = { 0x11, 0x1d7da7a, 0x33, 0x44 };

int main(void) {
    puts("gates: JMP/CALL/IRET task rules, task gates for exceptions, conforming code, gate DPL, RET nulling, LDT, expand-down\n");
    paging_identity(PTE_P | PTE_W | PTE_U);
    page_tables[0][0] = PTE_P | PTE_W | PTE_U;
    paging_map_user();
    paging_enable();
    tss_set_cr3(read_cr3());
    set_handler(0x80, on_int80);
    set_handler(13, on_gp);

    /* a second address space for task B: the same, plus ALT_VA */
    memcpy(alt_dir, page_dir, sizeof(alt_dir));
    alt_page[0] = 0xa17c3a3;
    alt_pt[0] = (u32)alt_page | PTE_P | PTE_W;
    alt_dir[ALT_VA >> 22] = (u32)alt_pt | PTE_P | PTE_W;

    init_task(&tssb, (u32)taskb_main, stackb, sizeof(stackb), (u32)alt_dir);
    init_task(&tssc, (u32)taskc_entry, stackc, sizeof(stackc), read_cr3());
    gdt_set(8, (u32)&tssb, sizeof(tssb) - 1, 0x89, 0);
    gdt_set(9, (u32)&tssc, sizeof(tssc) - 1, 0x89, 0);
    gdt_set(10, 0, 0xfffff, 0x9e, 0xc);                     /* conforming, readable, DPL 0 */
    set_call_gate(11, 0, 0);                                /* DPL 0: ring 3 may not use it */
    set_call_gate(12, (u32)gate3_target, 3);
    ldt[2] = ((u32)ldt_data << 16) | 0x0fff;               /* LDT entry 1: data, base ldt_data */
    ldt[3] = ((u32)ldt_data & 0xff000000u) | (((u32)ldt_data >> 16) & 0xff) | 0x00409200u;
    gdt_set(13, (u32)ldt, sizeof(ldt) - 1, 0x82, 0);
    gdt_set(14, 0, 0x0fff, 0x96, 0x4);                      /* expand-down, writable, B=1, byte limit 0xfff */

    /* JMP to a TSS */
    tssb.link = 0x1234;
    __asm__ volatile("movl $1f, jmp_resume\n\tmov $0x12345678, %%eax\n\tljmp $0x40, $0\n1:" ::: "eax", "memory");
    check_eq(b_runs, 1, "JMP to a TSS runs the task");
    check_eq(b_nt, 0, "JMP to a task leaves EFLAGS.NT clear");
    check_eq(b_link, 0x1234, "JMP to a task does not write the back link");
    check_eq(b_rt_type, 0x9, "JMP away marks the old TSS available");
    check_eq(b_self_type, 0xb, "the new TSS is busy");
    check_eq(b_saved_eax, 0x12345678, "the outgoing task's EAX is saved in its TSS");
    check_eq(b_saved_eip, jmp_resume, "the outgoing task's EIP (after the JMP) is saved in its TSS");
    check_eq(b_cr3, (u32)alt_dir, "the task switch loads CR3 from the new TSS");
    check_eq(b_alt, 0xa17c3a3, "the new task sees its own address space");
    check(read_cr3() == (u32)page_dir && gdt_type(TSS_SEL) == 0xb && gdt_type(TSSB_SEL) == 0x9,
          "JMP back: CR3 restored, runtime TSS busy, task B available");
    __asm__ volatile("ljmp $0x40, $0" ::: "memory");
    check_eq(b_runs, 2, "a second JMP resumes task B where it left off");

    /* CALL to a busy TSS */
    EXPECT_FAULT("3:\tlcall $0x28, $0");
    check(fault_vector == 13 && fault_err == TSS_SEL, "CALL to the busy current TSS raises #GP(selector)");

    /* IRET with NT=1 whose back link is an available TSS */
    {
        struct tss32 *rt = tss_at(TSS_SEL);
        u32 old_link = rt->link;
        rt->link = TSSB_SEL;
        EXPECT_FAULT("pushf\n\torl $0x4000, (%%esp)\n\tpopf\n3:\tiret");
        __asm__ volatile("pushf\n\tandl $~0x4000, (%%esp)\n\tpopf" ::: "memory", "cc");
        rt->link = old_link;
        check(fault_vector == 10 && fault_err == TSSB_SEL, "IRET with NT=1 to a TSS that is not busy raises #TS(back link)");
    }

    /* an exception through a task gate */
    c_rt_eip = (u32 *)((u32)tss_at(TSS_SEL) + 0x20);       /* the EIP field */
    idt_set(13, 0, TSSC_SEL, 0x85);
    {
        u32 fault_at;
        __asm__ volatile("movl $1f, c_resume\n\tmovl $2f, %0\n\tmov $0x1000, %%ax\n2:\tmov %%ax, %%ds\n1:\n\tmov $0x10, %%ax\n\tmov %%ax, %%ds"
                         : "=m"(fault_at) :: "eax", "memory");
        idt_set(13, isr_stubs[13], KCODE, 0x8e);
        check_eq(c_runs, 1, "#GP through a task gate runs the handler task");
        check_eq(c_err, 0x1000, "the error code is pushed on the handler task's stack");
        check_eq(c_saw_eip, fault_at, "the faulting task's saved EIP points at the faulting instruction");
        check_eq(gdt_type(TSSC_SEL), 0x9, "the handler task's IRET made its TSS available again");
    }

    /* conforming code from ring 3 */
    u32 r = run_user((u32)user_conforming, USER_STACK_TOP);
    check_eq(r & 0xffff, CONF_SEL | 3, "a conforming DPL-0 segment called from ring 3 runs at CPL 3 (CS.RPL = 3)");
    check_eq(int80_ebx & 0xffff, UCODE, "far RET from conforming code returns to the ring-3 CS");

    /* call gate with DPL < CPL */
    r = run_user((u32)user_gate0, USER_STACK_TOP);
    check(r == 0x13 && user_gp_err == GATE0_SEL, "ring-3 CALL through a DPL-0 call gate raises #GP(gate selector)");

    /* far RET to ring 3 nulls DS/ES holding DPL-0 segments */
    r = run_user((u32)user_gate3, USER_STACK_TOP);
    check_eq(int80_edx & 0xffff, UCODE, "call gate round trip back in ring 3");
    check(r == 0 && (int80_ebx & 0xffff) == 0, "far RET to ring 3 loads null into DS and ES that held DPL-0 data");
    check_eq(int80_ecx & 0xffff, UDATA, "FS (DPL 3) is kept");

    /* LDT */
    {
        u32 v, sldt;
        __asm__ volatile("lldt %w2\n\tsldt %1\n\tmov $0x0c, %%ax\n\tmov %%ax, %%fs\n\tmov %%fs:4, %0\n\tmov $0x10, %%ax\n\tmov %%ax, %%fs"
                         : "=r"(v), "=r"(sldt) : "r"(LDT_SEL) : "eax", "memory");
        check_eq(sldt & 0xffff, LDT_SEL, "LLDT/SLDT");
        check_eq(v, 0x1d7da7a, "a data segment from the LDT (selector TI=1) reads through its base");
        __asm__ volatile("lldt %w0" ::"r"(0));
    }

    /* expand-down data segment: valid offsets are limit+1 .. 0xffffffff */
    {
        u32 v1, e1, v2, v3;
        __asm__ volatile("mov %0, %%es" ::"r"(EDOWN_SEL));
        EXPECT_FAULT("3:\tmov %%es:0xfff, %%eax", "eax");
        v1 = fault_vector; e1 = fault_err;
        fault_vector = 0xffffffff;
        __asm__ volatile("mov %%es:0x1000, %%eax" ::: "eax", "memory");
        v2 = fault_vector;
        EXPECT_FAULT("3:\tmov %%es:0xffe, %%eax", "eax");
        v3 = fault_vector;
        __asm__ volatile("mov %0, %%es" ::"r"(KDATA));      /* before any C code that might use ES */
        check(v1 == 13 && e1 == 0, "expand-down segment: offset = limit raises #GP(0)");
        check(v2 == 0xffffffff, "expand-down segment: offset = limit + 1 is valid");
        check(v3 == 13, "expand-down segment: a dword at limit - 1 raises #GP(0)");
    }
    report();
}
