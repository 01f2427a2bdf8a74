/*
 * system: privilege transfers and hardware tasks (Intel SDM Vol. 3A ch. 5.8, 7, 21):
 * a ring-0 call gate with a parameter, a ring 3 -> ring 0 call gate with stack switch and
 * parameter copy, SYSENTER/SYSEXIT, hardware task switches (CALL to a TSS + IRET through the
 * back link with NT, JMP to a TSS, a task gate in the IDT), and virtual-8086 mode (entered by
 * IRET with VM=1, leaving through #GP on HLT with the V86 frame pushed).
 * Expected output checked on QEMU 7.2 TCG: guests/expected/system.txt, QEMU status 1.
 */
#include "rt.h"

struct tss32 { u32 link, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi, es, cs, ss, ds, fs, gs, ldt; u16 trap, iomap; } __attribute__((packed));

#define GATE_SEL   0x40  /* slot 8: call gate DPL 0 -> gate_target, 1 parameter */
#define UGATE_SEL  0x48  /* slot 9: call gate DPL 3 -> ugate_target, 2 parameters */
#define TSS2_SEL   0x50  /* slot 10 */
#define TSS3_SEL   0x58  /* slot 11 */

static void set_call_gate(int slot, u32 target, u8 dpl, u8 params) {
    u32 lo = (target & 0xffff) | ((u32)KCODE << 16);
    u32 hi = (target & 0xffff0000u) | 0x8000u | ((u32)dpl << 13) | (0xcu << 8) | params;
    struct { u16 limit; u32 base; } __attribute__((packed)) gdtr;
    __asm__ volatile("sgdt %0" : "=m"(gdtr));
    u32 *e = (u32 *)(gdtr.base + (u32)slot * 8);
    e[0] = lo;
    e[1] = hi;
}

/* ---- call gates ---- */
volatile u32 gate_seen_param, gate_seen_cs, ugate_p1, ugate_p2, ugate_old_cs, ugate_old_ss;
extern char gate_target[], ugate_target[], user_gate_caller[];
__asm__(".text\n"
        "gate_target:\n\t"                       /* [esp]=eip [esp+4]=cs [esp+8]=param */
        "mov 8(%esp), %eax\n\tmov %eax, gate_seen_param\n\tmov 4(%esp), %eax\n\tmov %eax, gate_seen_cs\n\t"
        "lret $4\n"
        "ugate_target:\n\t"                      /* [esp]=eip [esp+4]=cs [esp+8]=p1 [esp+12]=p2 [esp+16]=esp [esp+20]=ss */
        "mov 8(%esp), %eax\n\tmov %eax, ugate_p1\n\tmov 12(%esp), %eax\n\tmov %eax, ugate_p2\n\t"
        "mov 4(%esp), %eax\n\tmov %eax, ugate_old_cs\n\tmov 20(%esp), %eax\n\tmov %eax, ugate_old_ss\n\t"
        "lret $8\n"
        ".pushsection .user.text, \"ax\"\n"
        "user_gate_caller:\n\t"
        "push $0x22222222\n\tpush $0x11111111\n\tlcall $0x4b, $0\n\t"   /* GATE 0x48 with RPL 3 */
        "mov %esp, %ebx\n\tmov $0x77, %eax\n\tint $0x80\n"
        ".popsection\n");
static u32 user_esp_after;
static void on_int80(struct frame *f) { user_esp_after = f->ebx; return_to_kernel(f->eax); }

/* ---- SYSENTER / SYSEXIT ---- */
extern char sysenter_entry[], user_sysenter[];
volatile u32 sysenter_seen_eax, sysenter_seen_cs;
static u8 sysenter_stack[1024] __attribute__((aligned(16)));
__asm__(".text\n"
        "sysenter_entry:\n\t"
        "mov %eax, sysenter_seen_eax\n\tmov %cs, %eax\n\tmov %eax, sysenter_seen_cs\n\t"
        "mov $0x23, %ax\n\tmov %ax, %ds\n\tmov %ax, %es\n\t"
        "sysexit\n"                               /* back to EDX/ECX set by the caller */
        ".pushsection .user.text, \"ax\"\n"
        "user_sysenter:\n\t"
        "mov $0x5eed, %eax\n\tmov %esp, %ecx\n\tmov $1f, %edx\n\tsysenter\n"
        "1:\tmov %cs, %ebx\n\tmov $0x88, %eax\n\tint $0x80\n"
        ".popsection\n");
static void wrmsr(u32 msr, u32 lo) { __asm__ volatile("wrmsr" ::"c"(msr), "a"(lo), "d"(0)); }

/* ---- hardware task switching ---- */
static struct tss32 tss2 __attribute__((aligned(128))), tss3 __attribute__((aligned(128)));
static u8 task_stack2[2048] __attribute__((aligned(16))), task_stack3[2048] __attribute__((aligned(16)));
volatile u32 task2_runs, task2_nt, task2_link, task3_runs;
static void task2_main(void) {
    for (;;) {
        task2_runs++;
        u32 fl = read_eflags();
        task2_nt = (fl >> 14) & 1;
        task2_link = tss2.link;
        __asm__ volatile("iret");                /* NT=1: return to the caller's task through the back link */
    }
}
static void task3_main(void) {
    for (;;) {
        task3_runs++;
        __asm__ volatile("iret");                /* entered through a task gate: back to the interrupted task */
    }
}
static void init_task(struct tss32 *t, void (*entry)(void), u8 *stack, u32 stack_size) {
    memset(t, 0, sizeof(*t));
    t->eip = (u32)entry;
    t->esp = (u32)stack + stack_size;
    t->cs = KCODE;
    t->ss = t->ds = t->es = t->fs = t->gs = KDATA;
    t->eflags = 0x2;
    t->cr3 = read_cr3();
    t->iomap = sizeof(*t);
}
static u8 gdt_access(u16 sel) {
    struct { u16 limit; u32 base; } __attribute__((packed)) gdtr;
    __asm__ volatile("sgdt %0" : "=m"(gdtr));
    return *(u8 *)(gdtr.base + (sel & ~7u) + 5);
}

/* ---- virtual-8086 mode ---- */
static volatile u32 v86_eax, v86_cs, v86_ip, v86_vm, v86_err;
static void on_gp(struct frame *f) {
    if (f->eflags & 0x20000) {
        v86_eax = f->eax; v86_cs = f->cs; v86_ip = f->eip; v86_vm = 1; v86_err = f->err;
        return_to_kernel(0x86);
    }
    printf("FAIL: unexpected #GP(0x%x) at %x:%08x\n", f->err, f->cs, f->eip);
    exit(3);
}
/* 16-bit code copied to 0x2000 and run at CS=0x0200, IP=0: AX = DS*2 + 0x10 via segment arithmetic, then HLT */
static const u8 v86_code[] = {
    0xb8, 0x00, 0x03,       /* mov ax, 0x0300 */
    0x8e, 0xd8,             /* mov ds, ax */
    0xc7, 0x06, 0x10, 0x00, 0x34, 0x12, /* mov word [0x10], 0x1234  -> linear 0x3010 */
    0xa1, 0x10, 0x00,       /* mov ax, [0x10] */
    0x04, 0x01,             /* add al, 1 */
    0xf4,                   /* hlt -> #GP(0) */
};

int main(void) {
    puts("system: call gates, SYSENTER/SYSEXIT, task switches, virtual-8086 mode\n");
    paging_identity(PTE_P | PTE_W | PTE_U);               /* user-accessible: v86 code at 0x2000 */
    page_tables[0][0] = PTE_P | PTE_W | PTE_U;               /* and the real-mode IVT/stack page */
    paging_map_user();
    paging_enable();
    set_handler(0x80, on_int80);

    /* ring 0 call gate with one parameter */
    set_call_gate(8, (u32)gate_target, 0, 1);
    __asm__ volatile("push $0xabcd1234\n\tlcall $0x40, $0" ::: "memory");
    check_eq(gate_seen_param, 0xabcd1234, "call gate copies the parameter (same privilege)");
    check_eq(gate_seen_cs, KCODE, "call gate pushes the caller's CS");

    /* ring 3 -> ring 0 call gate, stack switch through TSS.ESP0, 2 parameters copied */
    set_call_gate(9, (u32)ugate_target, 3, 2);
    u32 r = run_user((u32)user_gate_caller, USER_STACK_TOP);
    check_eq(r, 0x77, "ring 3 program returned through int 0x80");
    check_eq(ugate_p1, 0x11111111, "inter-privilege call gate copies parameter 1");
    check_eq(ugate_p2, 0x22222222, "inter-privilege call gate copies parameter 2");
    check_eq(ugate_old_cs, UCODE, "caller CS pushed (ring 3)");
    check_eq(ugate_old_ss, UDATA, "caller SS pushed on the new stack");
    check_eq(user_esp_after, USER_STACK_TOP, "far RET with imm pops the parameters from the outer stack");

    /* SYSENTER / SYSEXIT: CS = MSR 0x174, SS = CS + 8; SYSEXIT: CS = +16|3, SS = +24|3 */
    wrmsr(0x174, KCODE);
    wrmsr(0x175, (u32)sysenter_stack + sizeof(sysenter_stack));
    wrmsr(0x176, (u32)sysenter_entry);
    r = run_user((u32)user_sysenter, USER_STACK_TOP);
    check_eq(r, 0x88, "SYSENTER/SYSEXIT round trip");
    check_eq(sysenter_seen_eax, 0x5eed, "SYSENTER keeps EAX");
    check_eq(sysenter_seen_cs, KCODE, "SYSENTER loads CS from IA32_SYSENTER_CS");

    /* task switches */
    init_task(&tss2, task2_main, task_stack2, sizeof(task_stack2));
    init_task(&tss3, task3_main, task_stack3, sizeof(task_stack3));
    gdt_set(10, (u32)&tss2, sizeof(tss2) - 1, 0x89, 0);
    gdt_set(11, (u32)&tss3, sizeof(tss3) - 1, 0x89, 0);
    gdt_reload();
    tss_set_cr3(read_cr3());
    __asm__ volatile("lcall $0x50, $0" ::: "memory");
    check_eq(task2_runs, 1, "CALL to a TSS runs the new task");
    check_eq(task2_nt, 1, "the called task runs with EFLAGS.NT=1");
    check_eq(task2_link, TSS_SEL, "the back link holds the caller's TSS selector");
    check_eq(gdt_access(TSS2_SEL) & 0x0f, 0x9, "IRET through the back link marks the called TSS available");
    check_eq(gdt_access(TSS_SEL) & 0x0f, 0xb, "the caller's TSS is busy again");
    __asm__ volatile("lcall $0x50, $0" ::: "memory");
    check_eq(task2_runs, 2, "a second CALL resumes the task after its IRET");
    idt_set(0x50, 0, TSS3_SEL, 0x85);                   /* task gate */
    __asm__ volatile("int $0x50" ::: "memory");
    check_eq(task3_runs, 1, "INT through a task gate switches tasks and IRET returns");

    /* virtual-8086 mode */
    set_handler(13, on_gp);
    memcpy((void *)0x2000, v86_code, sizeof(v86_code));
    r = run_v86(0x0200, 0, 0x0100, 0x0f00);
    check_eq(r, 0x86, "IRET with VM=1 entered virtual-8086 mode and HLT raised #GP");
    check_eq(v86_vm, 1, "#GP frame has EFLAGS.VM set");
    check_eq(v86_cs, 0x0200, "#GP frame holds the real-mode CS");
    check_eq(v86_ip, sizeof(v86_code) - 1, "#GP frame IP points at HLT");
    check_eq(v86_eax & 0xffff, 0x1235, "V86 segment arithmetic (DS=0x300:0x10 = linear 0x3010)");
    check_eq(*(volatile u16 *)0x3010, 0x1234, "V86 store landed at linear 0x3010");
    report();
}
