/*
 * x86kit guest runtime entry: Multiboot v1 header, _start, 256 ISR stubs, and the
 * protected -> real -> protected mode trampoline (Intel SDM Vol. 3A 10.9.2 "Switching Back
 * to Real-Address Mode", 10.9.1 "Switching to Protected Mode").
 */
#define MB_MAGIC 0x1BADB002
#ifdef AOUT_KLUDGE
#define MB_FLAGS 0x00010003 /* + bit 16: load addresses in the header ("a.out kludge") */
#else
#define MB_FLAGS 0x00000003 /* page-align modules, provide memory info */
#endif

    .section .multiboot, "a"
    .align 4
mb_header:
    .long MB_MAGIC
    .long MB_FLAGS
    .long -(MB_MAGIC + MB_FLAGS)
#ifdef AOUT_KLUDGE
    .long mb_header             /* header_addr */
    .long 0x100000              /* load_addr: the file's first byte */
    .long __load_end            /* load_end_addr */
    .long __bss_end             /* bss_end_addr */
    .long _start                /* entry_addr */
#endif

    .text
    .globl _start
_start:
    cli
    mov $stack_top, %esp
    push %ebx
    push %eax
    call rt_start
1:  cli
    hlt
    jmp 1b

/* ---- ISR stubs: 16-byte slots; vectors with an error code do not push a dummy one ---- */
    .align 16
    .globl isr_stub_base
isr_stub_base:
    .set vec, 0
    .rept 256
    .align 16
    .if (vec == 8) || (vec == 10) || (vec == 11) || (vec == 12) || (vec == 13) || (vec == 14) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
    .else
    .byte 0x6a, 0x00            /* push $0 (dummy error code) */
    .endif
    .byte 0x68                  /* push $vec */
    .long vec
    .byte 0xe9                  /* jmp isr_common */
    .long isr_common - (. + 4)
    .set vec, vec + 1
    .endr

isr_common:
    pusha
    push %ds
    push %es
    push %fs
    push %gs
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    push %esp
    call isr_dispatch
    add $4, %esp
    pop %gs
    pop %fs
    pop %es
    pop %ds
    popa
    add $8, %esp
    iret

/* ---- int real_mode_roundtrip(void): needs paging off; returns 1 ---- */
    .globl real_mode_roundtrip
real_mode_roundtrip:
    pushf
    cli
    pusha
    mov %esp, saved_esp
    sidt saved_idtr
    /* copy the trampoline to 0x8000, then store the current GDTR inside the copy */
    mov $tramp_start, %esi
    mov $0x8000, %edi
    mov $(tramp_end - tramp_start), %ecx
    cld
    rep movsb
    sgdt (0x8000 + tramp_gdtr - tramp_start)
    ljmp $0x30, $(0x8000 + t16 - tramp_start)

tramp_start:
    .code16
t16:                                /* 16-bit protected mode, CS base 0 */
    mov $0x38, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov %ax, %fs
    mov %ax, %gs
    mov %cr0, %eax
    and $0xfffffffe, %eax
    mov %eax, %cr0
    ljmp $0x0800, $(rm - tramp_start)
rm:                                 /* real mode, CS = 0x0800 */
    xor %ax, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov $0x7000, %sp
    lidt (0x8000 + tramp_ridt - tramp_start)
    /* print a line with IN/OUT polling of the UART line status */
    mov $(0x8000 + tramp_msg - tramp_start), %si
2:  lodsb
    test %al, %al
    jz 4f
    mov %al, %bl
    mov $0x3fd, %dx
3:  inb %dx, %al
    test $0x20, %al
    jz 3b
    mov $0x3f8, %dx
    mov %bl, %al
    outb %al, %dx
    jmp 2b
4:  /* segment arithmetic: 0x0100:0x0010 is linear 0x1010 */
    mov $0x0100, %ax
    mov %ax, %es
    movw $0xbeef, %es:0x10
    smsw %ax
    mov %ax, 0x1012
    /* a real-mode software interrupt through an IVT entry we install (saved/restored) */
    mov 0x100, %eax
    mov %eax, 0x1018
    movw $(tramp_int40 - tramp_start), 0x100
    movw $0x0800, 0x102
    int $0x40
    mov 0x1018, %eax
    mov %eax, 0x100
    /* back to protected mode */
    lgdtl (0x8000 + tramp_gdtr - tramp_start)
    mov %cr0, %eax
    or $1, %eax
    mov %eax, %cr0
    ljmpl $0x08, $back32
tramp_int40:
    movw $0x5a5a, 0x1014
    iret
tramp_msg:
    .asciz "real mode: hello via IN/OUT at CS=0x0800\n"
    .align 4
tramp_ridt:
    .word 0x3ff
    .long 0
tramp_gdtr:
    .word 0
    .long 0
tramp_end:
    .code32

back32:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov %ax, %fs
    mov %ax, %gs
    mov saved_esp, %esp
    lidt saved_idtr
    popa
    popf
    mov $1, %eax
    ret

/* ---- u32 run_user(u32 eip, u32 esp) / void return_to_kernel(u32 value) ---- */
    .globl run_user
run_user:
    pushf
    push %ebp
    push %ebx
    push %esi
    push %edi
    mov %esp, user_return_esp
    mov 24(%esp), %ecx          /* eip */
    mov 28(%esp), %edx          /* esp */
    mov $0x23, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %fs
    mov %ax, %gs
    push $0x23
    push %edx
    pushf
    push $0x1b
    push %ecx
    iret

/* u32 run_v86(u32 cs, u32 ip, u32 ss, u32 sp): IRET into virtual-8086 mode (VM=1, IOPL 0,
   IF 0, data segments 0); comes back through return_to_kernel() from a #GP handler. */
    .globl run_v86
run_v86:
    pushf
    push %ebp
    push %ebx
    push %esi
    push %edi
    mov %esp, user_return_esp
    push $0                     /* gs */
    push $0                     /* fs */
    push $0                     /* ds */
    push $0                     /* es */
    pushl 48(%esp)              /* ss: arg 3 is at 32(%esp) on entry to the pushes above */
    pushl 56(%esp)              /* sp: arg 4 */
    push $0x20002               /* eflags: VM */
    pushl 52(%esp)              /* cs: arg 1 */
    pushl 60(%esp)              /* ip: arg 2 */
    iret

    .globl return_to_kernel
return_to_kernel:
    mov 4(%esp), %eax
    mov $0x10, %dx
    mov %dx, %ds
    mov %dx, %es
    mov %dx, %fs
    mov %dx, %gs
    mov user_return_esp, %esp
    pop %edi
    pop %esi
    pop %ebx
    pop %ebp
    popf
    ret

    .data
    .align 4
    .globl user_return_esp
user_return_esp: .long 0
saved_esp: .long 0
saved_idtr: .word 0
    .long 0

    .bss
    .align 16
    .globl stack_top
stack: .skip 16384
stack_top:
    .globl kstack_top
kstack: .skip 8192
kstack_top:
