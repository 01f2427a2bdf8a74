/*
 * bench: the benchmark guest (paging on). Four kernels with fixed work, each printing a
 * checksum so that any engine can be checked for the same result: an ALU mix (add/sub/xor/
 * shift/imul/rotate on a xorshift stream), a memory copy (REP MOVSD and a byte loop over
 * 64 KiB), call/ret (recursive Fibonacci), and a paging walk (one access per 4 KiB page
 * over 8 MiB, then INVLPG + CR3 reloads). `scale=N` on the command line multiplies the work
 * (default 1, about 10 million instructions).
 * Expected output checked on QEMU 7.2 TCG: guests/expected/bench.txt (scale=1), QEMU status 1.
 */
#include "rt.h"

static u32 parse_scale(void) {
    if ((mb->flags & 4) == 0) return 1;
    const char *s = (const char *)mb->cmdline;
    for (; *s; s++) {
        if (s[0] == 's' && s[1] == 'c' && s[2] == 'a' && s[3] == 'l' && s[4] == 'e' && s[5] == '=') {
            u32 v = 0;
            for (s += 6; *s >= '0' && *s <= '9'; s++) v = v * 10 + (u32)(*s - '0');
            return v ? v : 1;
        }
    }
    return 1;
}

static u32 alu(u32 iters) {
    u32 x = 0x12345678, acc = 0;
    for (u32 i = 0; i < iters; i++) {
        x ^= x << 13; x ^= x >> 17; x ^= x << 5;
        acc += x;
        acc ^= (acc << 3) | (acc >> 29);
        acc -= x * 0x9e3779b1u;
        acc = (acc >> 7) | (acc << 25);
    }
    return acc;
}

static u8 src_buf[65536] __attribute__((aligned(4096)));
static u8 dst_buf[65536] __attribute__((aligned(4096)));
static u32 memcopy(u32 rounds) {
    for (u32 i = 0; i < sizeof(src_buf); i++) src_buf[i] = (u8)(i * 7 + 3);
    u32 sum = 0;
    for (u32 r = 0; r < rounds; r++) {
        u32 n = sizeof(src_buf) / 4;
        __asm__ volatile("cld\n\trep movsl" : "+S"((const u8 *){src_buf}), "+D"((u8 *){dst_buf}), "+c"(n) :: "memory");
        for (u32 i = 0; i < 4096; i++) dst_buf[i] = src_buf[(i + r) & 0xffff];
        sum += dst_buf[r & 0xffff] + dst_buf[0x8000] + dst_buf[0xffff];
    }
    return sum;
}

static u32 __attribute__((noinline)) fib(u32 n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

static u32 page_walk(u32 rounds) {
    u32 sum = 0;
    for (u32 r = 0; r < rounds; r++) {
        for (u32 va = 0x00800000; va < 0x01000000; va += 4096) {
            volatile u32 *p = (volatile u32 *)(va + ((r * 64) & 0xfff));
            *p = va ^ r;
            sum += *p;
        }
        for (u32 va = 0x00800000; va < 0x00900000; va += 4096) invlpg(va);
        write_cr3(read_cr3());
    }
    return sum;
}

int main(void) {
    u32 scale = parse_scale();
    paging_identity(PTE_P | PTE_W);
    paging_enable();
    printf("bench: scale %u, paging on\n", scale);
    printf("bench: alu checksum %08x\n", alu(400000 * scale));
    printf("bench: memcopy checksum %08x\n", memcopy(20 * scale));
    printf("bench: call/ret fib(24) x %u = %u\n", scale, fib(24) * scale);
    u32 f = 0;
    for (u32 i = 0; i < scale; i++) f += fib(24);
    check_eq(f, 46368 * scale, "call/ret result");
    printf("bench: paging checksum %08x\n", page_walk(20 * scale));
    report();
}
