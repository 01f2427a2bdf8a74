; Task-switch test guest (nasm -f bin task-guest.asm; bytes committed in task-guest.ts).
; Real mode -> protected mode, LTR task A, CALL far to TSS B (nested task switch), task B
; records EFLAGS.NT and its back link, then IRETD returns to task A (NT = 1), HLT.
; TSS A is at 0x7e00, TSS B at 0x7f00.
bits 16
org 0x7c00
  cli
  lgdt [gdtr]
  mov eax, cr0
  or al, 1
  mov cr0, eax
  jmp 0x08:pm
bits 32
pm:
  mov ax, 0x10
  mov ds, ax
  mov es, ax
  mov ss, ax
  mov esp, 0x9000
  mov ax, 0x18
  ltr ax
  mov eax, 0x1111
  call 0x20:0
  mov ecx, [0x7f00 + 0x28]
  str dx
  hlt
taskB:
  mov eax, 0x2222
  pushfd
  pop esi
  mov edi, [0x7f00]
  iretd
align 8
gdt:
  dq 0
  dq 0x00cf9a000000ffff
  dq 0x00cf92000000ffff
  dw 0x67, 0x7e00
  db 0, 0x89, 0, 0
  dw 0x67, 0x7f00
  db 0, 0x89, 0, 0
gdt_end:
gdtr:
  dw gdt_end - gdt - 1
  dd gdt
times 0x200 - ($ - $$) db 0
tssA:
  times 0x68 db 0
times 0x300 - ($ - $$) db 0
tssB:
  dd 0, 0x8000, 0x10, 0, 0, 0, 0, 0   ; link, esp0, ss0, esp1, ss1, esp2, ss2, cr3
  dd taskB, 0x2                       ; eip, eflags
  dd 0, 0, 0, 0, 0x8000, 0, 0, 0      ; eax ecx edx ebx esp ebp esi edi
  dd 0x10, 0x08, 0x10, 0x10, 0, 0     ; es cs ss ds fs gs
  dd 0, 0                             ; ldt, iomap
