; Benchmark guest (nasm -f bin bench-guest.asm; bytes committed in bench-guest.ts). Loaded at
; 0x7c00 in real mode: enters flat 32-bit protected mode, optionally enables paging (4 MiB
; identity PSE page; EBX = 1 on entry selects it), and halts. The benchmark then points EIP at
; one of the loops below (ECX = iteration count) and runs it to the final HLT.
;   0x7d00  ALU mix: 10 instructions per iteration
;   0x7e00  memory copy: 6 instructions per iteration (dword load + store)
;   0x7f00  call/ret: 6 instructions per iteration
bits 16
org 0x7c00
  cli
  lgdt [gdtr]
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
  test ebx, ebx
  jz .nopg
  mov dword [0x20000], 0x00000083   ; 4 MiB page at 0, present, writable
  mov eax, cr4
  or eax, 0x10                      ; PSE
  mov cr4, eax
  mov eax, 0x20000
  mov cr3, eax
  mov eax, cr0
  or eax, 0x80000000
  mov cr0, eax
.nopg:
  hlt
align 8
gdt:
  dq 0
  dq 0x00cf9a000000ffff
  dq 0x00cf92000000ffff
gdt_end:
gdtr:
  dw gdt_end - gdt - 1
  dd gdt

times 0x100 - ($ - $$) db 0x90
alu:
  add eax, ebx
  xor edx, eax
  sub ebx, ecx
  and esi, edx
  or edi, eax
  shl eax, 1
  inc ebx
  cmp eax, edx
  dec ecx
  jnz alu
  hlt

times 0x200 - ($ - $$) db 0x90
mem:
  mov esi, 0x100000
  mov edi, 0x200000
  mov eax, [esi + ecx*4]
  mov [edi + ecx*4], eax
  add edx, eax
  lea ebx, [ebx + eax]
  dec ecx
  jnz mem + 10
  hlt

times 0x300 - ($ - $$) db 0x90
callret:
  call fn
  add eax, 1
  dec ecx
  jnz callret
  hlt
fn:
  inc edx
  ret
