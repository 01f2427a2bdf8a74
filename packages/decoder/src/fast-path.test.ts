import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Decoder, setDecoderFastPath } from './decoder.js';
import { Rng } from './fuzz.test-util.js';
import { Instruction } from './instruction.js';

/** Every field of an Instruction (numbers, booleans, typed arrays) as one string. */
function snapshot(insn: Instruction, d: Decoder): string {
  const parts: string[] = [`err=${d.lastError}`, `ip=${d.ipLo},${d.ipHi}`];
  for (const [k, v] of Object.entries(insn)) parts.push(`${k}=${ArrayBuffer.isView(v) ? Array.from(v as Uint8Array).join('.') : String(v)}`);
  return parts.join(' ');
}

/** Decodes `bytes` at every offset with the fast path on and off; returns the first difference. */
function compareAt(bitness: 16 | 32 | 64, bytes: Uint8Array, offsets: Iterable<number>, ip0 = 0x7ffffff0): string | null {
  const a = new Decoder({ bitness });
  const b = new Decoder({ bitness });
  const ia = new Instruction();
  const ib = new Instruction();
  try {
    for (const off of offsets) {
      a.setIp(ip0 + off);
      b.setIp(ip0 + off);
      setDecoderFastPath(true);
      a.decodeInto(ia, bytes, off);
      setDecoderFastPath(false);
      b.decodeInto(ib, bytes, off);
      const sa = snapshot(ia, a);
      const sb = snapshot(ib, b);
      if (sa !== sb) return `${bitness}-bit at ${off} (${Array.from(bytes.subarray(off, off + 15), (x) => x.toString(16).padStart(2, '0')).join(' ')}):\n fast ${sa}\n full ${sb}`;
    }
  } finally {
    setDecoderFastPath(true);
  }
  return null;
}

const here = dirname(fileURLToPath(import.meta.url));

describe('legacy fast path', () => {
  it('decodes exactly like the general path: random bytes and prefix/opcode-biased inputs', () => {
    const rng = new Rng(99);
    const buf = new Uint8Array(1 << 16);
    for (const bitness of [16, 32, 64] as const) {
      for (let round = 0; round < 4; round++) {
        for (let i = 0; i < buf.length; i++) {
          // Bias towards the fast path's prefixes (66, 67, segment, REX) and 0F so that many inputs take it.
          const r = rng.below(20);
          buf[i] = r === 0 ? 0x66 : r === 1 ? 0x40 + rng.below(16) : r === 2 ? 0x0f : r === 3 ? 0x67
            : r === 4 ? ([0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65][rng.below(6)] ?? 0x26) : rng.below(256);
        }
        const offsets = Array.from({ length: 20_000 }, () => rng.below(buf.length));
        // IPs just below 2^31 and (64-bit) just above and just below 2^32, so next-IP, branch and
        // RIP-relative targets carry and borrow across 32 bits.
        const ip0 = round & 1 ? 0x7ffffff0 : bitness !== 64 ? 0 : round === 0 ? 0x1_0000_0000 : 0xffff_e000;
        expect(compareAt(bitness, buf, offsets, ip0)).toBeNull();
      }
    }
  });

  it('decodes exactly like the general path on the 32-/16-bit corpora (every offset of the first 16 KiB)', () => {
    for (const bitness of [32, 16] as const) {
      const bytes = new Uint8Array(readFileSync(join(here, '..', 'bench-data', `corpus${bitness}.bin`))).subarray(0, 16 << 10);
      expect(compareAt(bitness, bytes, bytes.keys())).toBeNull();
      expect(compareAt(64, bytes, bytes.keys())).toBeNull();
    }
  });
});

describe('legacy fast path: 64-bit IP arithmetic', () => {
  it('next IP, branch and RIP-relative targets of instructions that end across 2^32 equal the general path', () => {
    const bytes = new Uint8Array(readFileSync(join(here, '..', 'bench-data', 'corpus32.bin'))).subarray(0, 4 << 10);
    for (let off = 0; off < bytes.length; off++) {
      // The instruction starts 1..16 bytes below 2^32, so its end (the next IP) carries into the high half.
      const ip = 0x1_0000_0000 - 1 - (off & 15);
      expect(compareAt(64, bytes, [off], ip - off)).toBeNull();
    }
  });
});

describe('reusing one Instruction', () => {
  // Instructions that leave many fields set (EVEX masking/broadcast/rounding, REP, XACQUIRE, LOCK,
  // 64-bit immediates, moffs, far pointers, SIB + disp32 memory, RIP-relative, VSIB), each
  // followed by fast-path instructions: the lazily reset fields must read as after a fresh decode.
  const before: Record<number, string[]> = {
    16: ['f3a4', 'f2f0000c', '9a78563412', 'a03412', '8b8400ff', 'c8100001', '62f1fd48101f', '67c4e27d9004a0', 'f366a5'],
    32: ['f3a4', 'f2f0000c', '9a785634121111', 'a078563412', '8b84b878563412', 'c8100001', '62f17c2d58c3', '62f1fc3958423f', 'c4e27d9004a0', 'f0870b', 'f2f00108'],
    64: ['f3a4', 'f2f0000c', '48b88877665544332211', '48a18877665544332211', '8b8438785634f2', '62f17c2d58c3', '62f1fc3958423f', 'c4e27d9004a0', '488b05f0ffffff', 'f0870b', 'e9ffffff7f', 'c8100001'],
  };
  const after: Record<number, string[]> = {
    16: ['89c3', '8b07', '01d8', '7410', 'e80010', '40', 'b81234', '8a4702', '26ff36fe00'],
    32: ['89c3', '8b07', '01d8', '7410', 'e800000010', '40', 'b878563412', '8a4702', '8b4c2404', '6689c3', '0fb6c0'],
    64: ['4889c3', '8b07', '4801d8', '7410', 'e800000010', 'c3', 'b878563412', '8a4702', '488b4c2408', '6689c3', '0fb6c0', '488d0500000000'],
  };
  const hex = (h: string): Uint8Array => Uint8Array.from({ length: 16 }, (_, i) => (i < h.length / 2 ? parseInt(h.slice(i * 2, i * 2 + 2), 16) : 0x90));
  for (const bitness of [16, 32, 64] as const) {
    it(`${bitness}-bit: a fast-path decode after any decode equals a decode into a fresh Instruction`, () => {
      let compared = 0;
      for (const a of before[bitness] ?? []) {
        for (const b of after[bitness] ?? []) {
          const reused = new Instruction();
          const d1 = new Decoder({ bitness, ip: 0x1000 });
          d1.decodeInto(reused, hex(a), 0);
          d1.setIp(0x2000);
          d1.decodeInto(reused, hex(b), 0);
          const fresh = new Instruction();
          const d2 = new Decoder({ bitness, ip: 0x2000 });
          d2.decodeInto(fresh, hex(b), 0);
          expect(`${a} then ${b}: ${snapshot(reused, d1)}`).toBe(`${a} then ${b}: ${snapshot(fresh, d2)}`);
          compared++;
        }
      }
      expect(compared).toBeGreaterThan(50);
    });
  }
});
