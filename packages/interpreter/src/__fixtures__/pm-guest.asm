; Test guest for the interpreter (assembled with `nasm -f bin pm-guest.asm`; the bytes are
; committed in pm-guest.ts so tests do not need nasm). Loaded at 0x7c00 in real mode.
; Real mode -> protected mode (LGDT/LIDT/MOV CR0/far JMP) -> LTR -> IRETD to ring 3 ->
; INT 0x80 through a DPL-3 interrupt gate (stack switch from the TSS) -> CLI at CPL 3 (#GP(0),
; handler skips it) -> INT 0x81 -> ring-0 paging test: identity map 4 MiB with one page
; missing, write to it (#PF, error code 2, CR2), the handler maps it and INVLPGs, retry, HLT.
bits 16
org 0x7c00
start:
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
  mov ax, 0x28
  ltr ax
  push dword 0x23
  push dword 0x8800
  push dword 0x002
  push dword 0x1b
  push dword ring3
  iretd
ring3:
  mov eax, 0x1234
  int 0x80
  mov ecx, ebx
  cli
  mov edx, 0x55
  int 0x81
h80:
  mov ebx, eax
  inc ebx
  mov esi, [esp+12]
  iretd
h13:
  pop edi
  inc dword [esp]
  iretd
h81:
  add esp, 20
  mov ax, 0x10
  mov ds, ax
  mov es, ax
  push edi
  push esi
  mov edi, 0x21000
  mov eax, 0x003
  mov ecx, 1024
.fill:
  stosd
  add eax, 0x1000
  loop .fill
  mov dword [0x21000 + 0x300*4], 0
  mov dword [0x20000], 0x21003
  mov eax, 0x20000
  mov cr3, eax
  mov eax, cr0
  or eax, 0x80000000
  mov cr0, eax
  mov dword [0x300000], 0xabcd
  mov eax, [0x300000]
  pop esi
  pop edi
  hlt
h14:
  pop ebp
  mov edx, cr2
  mov dword [0x21000 + 0x300*4], 0x300003
  invlpg [0x300000]
  iretd

align 8
gdt:
  dq 0
  dq 0x00cf9a000000ffff
  dq 0x00cf92000000ffff
  dq 0x00cffa000000ffff
  dq 0x00cff2000000ffff
  dw 0x67, tss
  db 0, 0x89, 0, 0
gdt_end:
gdtr:
  dw gdt_end - gdt - 1
  dd gdt
idt:
%assign i 0
%rep 0x82
 %if i == 13
  dw h13, 8, 0x8e00, 0
 %elif i == 14
  dw h14, 8, 0x8e00, 0
 %elif i == 0x80
  dw h80, 8, 0xee00, 0
 %elif i == 0x81
  dw h81, 8, 0xee00, 0
 %else
  dq 0
 %endif
 %assign i i+1
%endrep
idt_end:
idtr:
  dw idt_end - idt - 1
  dd idt
tss:
  dd 0, 0x9000, 0x10
  times 92 db 0
