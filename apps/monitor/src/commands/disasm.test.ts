import { describe, expect, test } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../index.js';

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (t) => { out += t; }, err: (t) => { err += t; }, isTty: false });
  return { code, out, err };
}

const tmp = mkdtempSync(join(tmpdir(), 'x86kit-disasm-'));

/** A minimal 32-bit ELF (EM_386) with one executable section `.text` holding `code` at 0x8048000. */
function tinyElf32(code: Uint8Array): Uint8Array {
  const shstr = new TextEncoder().encode('\0.text\0.shstrtab\0');
  const textOff = 52;
  const strOff = textOff + code.length;
  const shOff = (strOff + shstr.length + 3) & ~3;
  const buf = new Uint8Array(shOff + 3 * 40);
  const dv = new DataView(buf.buffer);
  buf.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1], 0);
  dv.setUint16(16, 2, true); dv.setUint16(18, 3, true); dv.setUint32(20, 1, true);
  dv.setUint32(32, shOff, true); dv.setUint16(40, 52, true); dv.setUint16(46, 40, true);
  dv.setUint16(48, 3, true); dv.setUint16(50, 2, true);
  buf.set(code, textOff);
  buf.set(shstr, strOff);
  const sh = (i: number, name: number, type: number, flags: number, addr: number, off: number, size: number): void => {
    const b = shOff + i * 40;
    dv.setUint32(b, name, true); dv.setUint32(b + 4, type, true); dv.setUint32(b + 8, flags, true);
    dv.setUint32(b + 12, addr, true); dv.setUint32(b + 16, off, true); dv.setUint32(b + 20, size, true);
  };
  sh(1, 1, 1, 0x6, 0x8048000, textOff, code.length);
  sh(2, 7, 3, 0, 0, strOff, shstr.length);
  return buf;
}

describe('x86kit disasm', () => {
  test('--hex prints objdump-like lines', async () => {
    const r = await run('disasm', '--hex', '48 01 d8 f0 83 00 05', '--ip', '0x1000');
    expect(r.code).toBe(0);
    expect(r.out).toContain('1000:\t48 01 d8');
    expect(r.out).toContain('add rax, rbx');
    expect(r.out).toContain('lock add dword ptr [rax], 5');
  });

  test('--json emits one object per instruction', async () => {
    const r = await run('disasm', '--hex', '66 01 d8 c4', '--bitness', '32', '--json');
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([
      { ip: '0x0', length: 3, bytes: '6601d8', mnemonic: 'add', operands: ['ax', 'bx'], text: 'add ax, bx', valid: true, flow: 'Next', virt: [] },
      { ip: '0x3', length: 1, bytes: 'c4', mnemonic: '(bad)', operands: [], text: '(bad)', valid: false, flow: 'Next', virt: [] },
    ]);
  });

  test('--json carries the virtualization class and flow kind', async () => {
    const r = await run('disasm', '--hex', '9c 0f 01 0d 00 00 00 00 e8 00 00 00 00', '--bitness', '32', '--json');
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l) as { text: string; virt: string[]; flow: string });
    expect(lines.map((l) => [l.text, l.virt, l.flow])).toEqual([
      ['pushfd', ['IOPL', 'SENSITIVE'], 'Next'],
      ['sidt [0]', ['PRIV_COND', 'SENSITIVE'], 'Next'],
      ['call 0xd', ['BRANCH', 'PC_REL'], 'Call'],
    ]);
  });

  test('16-bit code and --ip', async () => {
    const r = await run('disasm', '--hex', 'b8 34 12 eb fe', '--bitness', '16', '--ip', '0x7c00', '--json');
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l) as { text: string; ip: string });
    expect(lines.map((l) => l.text)).toEqual(['mov ax, 0x1234', 'jmp 0x7c03']);
    expect(lines[1]?.ip).toBe('0x7c03');
  });

  test('an ELF file: executable sections, bitness from the header', async () => {
    const f = join(tmp, 'tiny.elf');
    writeFileSync(f, tinyElf32(Uint8Array.of(0x55, 0x89, 0xe5, 0xc3)));
    const r = await run('disasm', f);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Disassembly of .text (32-bit, 4 bytes at 0x8048000)');
    expect(r.out).toContain('8048001:\t89 e5');
    expect(r.out).toContain('mov ebp, esp');
    expect(r.out).toContain('ret');
  });

  test('the running node binary (a real x86-64 ELF) disassembles', async () => {
    if (process.arch !== 'x64') return;
    const r = await run('disasm', process.execPath, '--count', '20', '--json');
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l) as { valid: boolean; section: string });
    expect(lines).toHaveLength(20);
    expect(lines.filter((l) => l.valid).length).toBeGreaterThan(15);
  });

  test('a raw file with --offset/--length', async () => {
    const f = join(tmp, 'raw.bin');
    writeFileSync(f, Uint8Array.of(0xcc, 0xcc, 0x31, 0xc0, 0xc3, 0xcc));
    const r = await run('disasm', f, '--offset', '2', '--length', '3', '--bitness', '32', '--json');
    expect(r.out.trim().split('\n').map((l) => (JSON.parse(l) as { text: string }).text)).toEqual(['xor eax, eax', 'ret']);
  });

  test('a truncated ELF is one error line, exit 2', async () => {
    const f = join(tmp, 'trunc.elf');
    writeFileSync(f, tinyElf32(Uint8Array.of(0x90)).subarray(0, 60));
    const r = await run('disasm', f);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/^x86kit: IMAGE_TRUNCATED: .*truncated/);
  });

  test('bad hex, wrong bitness, missing file, nothing to do: one line each, exit 2', async () => {
    for (const argv of [
      ['disasm', '--hex', '4g 01'],
      ['disasm', '--hex', '480'],
      ['disasm', '--hex', '90', '--bitness', '8'],
      ['disasm', join(tmp, 'does-not-exist.bin')],
      ['disasm'],
    ]) {
      const r = await run(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(/^x86kit: (OPTION_INVALID|IMAGE_NOT_FOUND|OPTION_MISSING): /);
    }
  });

  test('a directory is named as such, not as a missing file', async () => {
    const r = await run('disasm', tmp);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`x86kit: IMAGE_NOT_FOUND: ${tmp}: not a regular file (a directory?)\n`);
  });
});
