/*
 * x86kit guest runtime: a tiny freestanding i386 runtime for our test guests.
 * Entered through Multiboot v1 (32-bit protected mode, paging off, flat segments).
 * Serial console on COM1 (0x3f8), exit through QEMU's isa-debug-exit (port 0xf4).
 */
#ifndef X86KIT_RT_H
#define X86KIT_RT_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef int i32;

#define NULL ((void *)0)

/* Selectors of the runtime's GDT. */
#define KCODE 0x08
#define KDATA 0x10
#define UCODE 0x1b
#define UDATA 0x23
#define TSS_SEL 0x28
#define CODE16 0x30 /* 16-bit code, base 0, limit 0xffff (real-mode trampoline) */
#define DATA16 0x38 /* 16-bit data, base 0, limit 0xffff */
#define GDT_FREE 8  /* first GDT slot free for guests (slots 8..15) */
#define GDT_ENTRIES 16

/* Multiboot v1 information (the fields we read). */
struct mb_info {
    u32 flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
    u32 syms[4];
    u32 mmap_length, mmap_addr;
};
struct mb_module { u32 mod_start, mod_end, string, reserved; };
struct mb_mmap { u32 size; u32 addr_lo, addr_hi, len_lo, len_hi, type; } __attribute__((packed));

/* What the ISR stubs push (see entry.S). */
struct frame {
    u32 gs, fs, es, ds;
    u32 edi, esi, ebp, esp0, ebx, edx, ecx, eax;
    u32 vector, err;
    u32 eip, cs, eflags, esp, ss; /* esp/ss only valid on a privilege change */
};

typedef void (*handler_t)(struct frame *f);

/* port I/O */
static inline void outb(u16 p, u8 v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(p)); }
static inline void outw(u16 p, u16 v) { __asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(p)); }
static inline void outl(u16 p, u32 v) { __asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(p)); }
static inline u8 inb(u16 p) { u8 v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(p)); return v; }
static inline u32 read_cr0(void) { u32 v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static inline u32 read_cr2(void) { u32 v; __asm__ volatile("mov %%cr2, %0" : "=r"(v)); return v; }
static inline u32 read_cr3(void) { u32 v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static inline u32 read_cr4(void) { u32 v; __asm__ volatile("mov %%cr4, %0" : "=r"(v)); return v; }
static inline void write_cr0(u32 v) { __asm__ volatile("mov %0, %%cr0" ::"r"(v) : "memory"); }
static inline void write_cr3(u32 v) { __asm__ volatile("mov %0, %%cr3" ::"r"(v) : "memory"); }
static inline void write_cr4(u32 v) { __asm__ volatile("mov %0, %%cr4" ::"r"(v) : "memory"); }
static inline void invlpg(u32 va) { __asm__ volatile("invlpg (%0)" ::"r"(va) : "memory"); }
static inline void sti(void) { __asm__ volatile("sti"); }
static inline void cli(void) { __asm__ volatile("cli"); }
static inline void hlt(void) { __asm__ volatile("hlt"); }
static inline u32 read_eflags(void) { u32 v; __asm__ volatile("pushf; pop %0" : "=r"(v)); return v; }

/* console and exit */
void putc(char c);
void puts(const char *s);
void printf(const char *fmt, ...);
void exit(int code) __attribute__((noreturn));

/* checks: each prints "PASS: name" or "FAIL: name ..." */
void check(int ok, const char *name);
void check_eq(u32 got, u32 want, const char *name);
/* prints "N passed, M failed" and exits (0 when none failed; QEMU status 1, kvm-unit-tests style) */
void report(void) __attribute__((noreturn));

/* descriptors */
void gdt_set(int i, u32 base, u32 limit, u8 access, u8 flags);
void gdt_reload(void);
void idt_set(int vec, u32 offset, u16 sel, u8 type_attr);
void set_handler(int vec, handler_t h);
extern u32 isr_stubs[256];
extern u32 tss_esp0;
void tss_set_cr3(u32 cr3);

/* faults the guest expects: run `code`, catch the exception, resume at label 1 */
extern volatile u32 fault_resume;
extern volatile u32 fault_vector, fault_err, fault_eip, fault_count, fault_start, fault_end, fault_cr2;
/* `insns` must mark the instruction expected to fault with the local label `3:`; after the
   block, fault_start = its address, fault_end = the address after the block (where a trap
   at the last instruction reports its EIP), fault_vector/err/eip what the handler saw. */
#define EXPECT_FAULT(insns, ...) \
    do { fault_vector = 0xffffffff; fault_err = 0xffffffff; fault_eip = 0; \
         __asm__ volatile("movl $3f, fault_start\n\tmovl $1f, fault_end\n\tmovl $1f, fault_resume\n\t" insns "\n1:\n\tmovl $0, fault_resume" ::: "memory", ##__VA_ARGS__); } while (0)

/* PIC / PIT */
void pic_remap(u8 master, u8 slave);
void pic_mask(u16 mask);
void pic_eoi(int irq);
void pit_start(u32 hz);

/* paging: identity map [0, 16 MiB) with 4 KiB pages in page_dir/page_tables */
extern u32 page_dir[1024];
extern u32 page_tables[4][1024];
void paging_identity(u32 pte_flags);
void paging_enable(void);
u32 *pte_of(u32 va);

/* ring 3: paging_map_user() maps .user at USER_BASE and a stack page; run_user() enters ring 3
   with IF as in the caller's EFLAGS and returns the value passed to return_to_kernel() (called
   from an interrupt handler). */
#define USER_BASE 0x40000000u
#define USER_STACK_PAGE 255
#define USER_STACK_TOP (USER_BASE + ((USER_STACK_PAGE + 1) << 12))
#define USER __attribute__((section(".user.text"), noinline))
#define USER_DATA __attribute__((section(".user.data")))
void paging_map_user(void);
extern u32 user_pt[1024];
u32 run_user(u32 eip, u32 esp);
u32 run_v86(u32 cs, u32 ip, u32 ss, u32 sp);
void return_to_kernel(u32 value) __attribute__((noreturn));

/* real mode round trip (entry.S trampoline copied to 0x8000) */
int real_mode_roundtrip(void);

/* memory */
void *memset(void *d, int c, u32 n);
void *memcpy(void *d, const void *s, u32 n);
u32 strlen(const char *s);
int strcmp(const char *a, const char *b);

/* set by the entry code */
extern u32 mb_magic;
extern struct mb_info *mb;

int main(void);

#define PTE_P 1u
#define PTE_W 2u
#define PTE_U 4u
#define PTE_A 0x20u
#define PTE_D 0x40u
#define PTE_PS 0x80u
#endif
