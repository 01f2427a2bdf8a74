; bench-loops: the cross-engine benchmark guest (nasm -f bin bench-loops.asm -o bench-loops.bin;
; the image is committed so that nothing needs nasm at run time).
;
; A Multiboot v1 kernel in the "a.out kludge" form (header flag 16: load addresses in the
; header), loaded at 1 MiB, entered in flat 32-bit protected mode with interrupts off. It runs
; the three loops of the interpreter benchmark (packages/interpreter/src/__fixtures__/
; bench-guest.asm) with the same instructions, each ROUNDS times, first with paging off and
; then with paging on (four 4 MiB PSE pages, identity), and writes one marker byte to COM1
; (0x3F8) before every round, so a host can time each round from the serial output alone:
;   'A' 'M' 'C'  ALU mix / memory copy / call-ret round, paging off
;   'a' 'm' 'c'  the same, paging on
;   '.'          end of a loop's rounds        '\n'  end of the run (then CLI; HLT)
; Instructions retired from one marker OUT up to and including the next one, for N iterations:
;   ALU mix 10N + 8, memory copy 6N + 10, call/ret 6N + 8
; (7 for the driver around the call: MOV ECX, CALL, DEC EBP, JNZ, MOV AL, MOV DX, OUT; plus the
; loop's RET and, for the copy, the two MOVs before its loop).
; The loop counts and the round count live in the parameter block at file offset 32 (after the
; magic "X86KBLPS"), so a host can patch them before loading the same image into every engine.
bits 32
org 0x100000

MB_MAGIC equ 0x1BADB002
MB_FLAGS equ 0x00010000
PD       equ 0x80000          ; page directory (4 KiB, below 640 KiB)
STACK    equ 0x90000
COM1     equ 0x3f8

mb_header:
  dd MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)
  dd mb_header, mb_header, load_end, bss_end, start

params:                       ; file offset 32
  db 'X86KBLPS'
alu_iters:  dd 2000000
mem_iters:  dd 1000000
call_iters: dd 2000000
rounds:     dd 4

%macro BENCH 3                ; marker, iteration count, loop entry
  mov ebp, [rounds]
%%round:
  mov al, %1
  mov dx, COM1
  out dx, al
  mov ecx, [%2]
  call %3
  dec ebp
  jnz %%round
  mov al, '.'
  mov dx, COM1
  out dx, al
%endmacro

start:
  cli
  cld
  mov esp, STACK
  BENCH 'A', alu_iters, alu
  BENCH 'M', mem_iters, mem
  BENCH 'C', call_iters, callret
  ; paging on: 16 MiB identity-mapped with 4 MiB pages (CR4.PSE)
  mov edi, PD
  xor eax, eax
  mov ecx, 1024
  rep stosd
  mov dword [PD + 0], 0x00000083
  mov dword [PD + 4], 0x00400083
  mov dword [PD + 8], 0x00800083
  mov dword [PD + 12], 0x00c00083
  mov eax, cr4
  or eax, 0x10
  mov cr4, eax
  mov eax, PD
  mov cr3, eax
  mov eax, cr0
  or eax, 0x80000000
  mov cr0, eax
  BENCH 'a', alu_iters, alu
  BENCH 'm', mem_iters, mem
  BENCH 'c', call_iters, callret
  mov al, 10
  mov dx, COM1
  out dx, al
.stop:
  cli
  hlt
  jmp .stop

; The three loops: the instructions of bench-guest.asm, ending in RET instead of HLT.
align 16
alu:                          ; 10 instructions per iteration
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
  ret

align 16
mem:                          ; 6 instructions per iteration (dword load + store)
  mov esi, 0x100000
  mov edi, 0x200000
.copy:
  mov eax, [esi + ecx*4]
  mov [edi + ecx*4], eax
  add edx, eax
  lea ebx, [ebx + eax]
  dec ecx
  jnz .copy
  ret

align 16
callret:                      ; 6 instructions per iteration
  call fn
  add eax, 1
  dec ecx
  jnz callret
  ret
fn:
  inc edx
  ret

load_end:
bss_end:
