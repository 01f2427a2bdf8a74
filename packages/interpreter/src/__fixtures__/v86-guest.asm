; Virtual-8086 test guest (nasm -f bin v86-guest.asm; bytes committed in v86-guest.ts).
; Protected mode, LTR (TSS with an I/O permission bitmap denying port 0x81), IRETD into V86
; mode with IOPL = 0. The V86 code reads port 0x80 (allowed), port 0x81 (denied: #GP(0)),
; executes INT 0x21 (IOPL-sensitive: #GP(0)) and HLT (#GP(0)). The ring-0 #GP handler counts,
; skips the two-byte instructions and, on HLT, records the V86 EFLAGS image and halts.
bits 16
org 0x7c00
  cli
  lgdt [gdtr]
  lidt [idtr]
  mov eax, cr0
  or al, 1
  mov cr0, eax
  jmp 0x08:pm32
bits 32
pm32:
  mov ax, 0x10
  mov ds, ax
  mov es, ax
  mov ss, ax
  mov esp, 0x9000
  mov ax, 0x18
  ltr ax
  push dword 0          ; gs
  push dword 0          ; fs
  push dword 0x0800     ; ds
  push dword 0          ; es
  push dword 0          ; ss
  push dword 0x7000     ; esp
  push dword 0x00020002 ; eflags: VM, IOPL 0
  push dword 0          ; cs
  push dword v86code    ; eip
  iretd
bits 16
v86code:
  mov ax, 0x1234
  in al, 0x80
  mov bp, ax
  in al, 0x81
  int 0x21
  mov cx, 0x99
  hlt
bits 32
gp:
  mov ax, 0x10          ; DS/ES/FS/GS were loaded with null on the way out of V86
  mov ds, ax
  inc dword [count]
  mov eax, [esp+4]
  movzx ebx, word [esp+8]
  shl ebx, 4
  add ebx, eax
  cmp byte [ebx], 0xf4
  je .done
  add dword [esp+4], 2
  add esp, 4
  iretd
.done:
  mov esi, [esp+12]
  mov edi, [count]
  mov edx, [esp+36]     ; the V86 GS pushed on entry
  hlt
count: dd 0
align 8
gdt:
  dq 0
  dq 0x00cf9a000000ffff
  dq 0x00cf92000000ffff
  dw tss_end - tss - 1, tss
  db 0, 0x89, 0, 0
gdt_end:
gdtr:
  dw gdt_end - gdt - 1
  dd gdt
idt:
  times 13 dq 0
  dw gp, 8, 0x8e00, 0
idt_end:
idtr:
  dw idt_end - idt - 1
  dd idt
tss:
  dd 0, 0x9000, 0x10
  times 0x66 - 12 db 0
  dw iomap - tss
iomap:
  times 0x10 db 0
  db 0x02               ; port 0x81 denied
  db 0xff
tss_end:
