import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { emitVirtClass, parseVirtClass, resolveVirtClass, VIRT_CLASS_BITS } from './virt-class.js';
import type { CodeEntry } from './code-list.js';

const codes: CodeEntry[] = [
  { value: 0, name: 'INVALID', mnemonic: 'INVALID' },
  { value: 1, name: 'Hlt', mnemonic: 'Hlt' },
  { value: 2, name: 'Pushfd', mnemonic: 'Pushfd' },
  { value: 3, name: 'Mov_r32_cr', mnemonic: 'Mov' },
  { value: 4, name: 'Add_rm32_r32', mnemonic: 'Add' },
];

describe('virt-class generator', () => {
  it('parses records, ORs the classes of every matching record and emits sparse pairs', () => {
    const rules = parseVirtClass([
      '# comment',
      'm:Hlt PRIV | SDM: #GP(0) if CPL != 0.',
      'm:Pushfd SENSITIVE,IOPL | Robin & Irvine.',
      'c:Mov_(r32|r64)_cr PRIV | SDM MOV CR.',
      'c:Mov_r32_cr SENSITIVE | test: OR-ed with the previous record.',
    ].join('\n'));
    const { classes, matchedBy } = resolveVirtClass(rules, codes);
    expect(classes[1]).toBe(VIRT_CLASS_BITS.PRIV);
    expect(classes[2]).toBe(VIRT_CLASS_BITS.SENSITIVE | VIRT_CLASS_BITS.IOPL);
    expect(classes[3]).toBe(VIRT_CLASS_BITS.PRIV | VIRT_CLASS_BITS.SENSITIVE);
    expect(classes[4]).toBe(0);
    expect(matchedBy[3]?.map((r) => r.line)).toEqual([4, 5]);
    const ts = emitVirtClass(classes, codes);
    expect(ts).toContain('  1, 0x1, // Hlt');
    expect(ts).not.toContain('Add_rm32_r32');
  });

  it('rejects unknown classes, missing reasons and selectors that match nothing', () => {
    expect(() => parseVirtClass('m:Hlt PRIVILEGED | x')).toThrow(/unknown class PRIVILEGED/);
    expect(() => parseVirtClass('m:Hlt PRIV')).toThrow(/missing '\| reason'/);
    expect(() => parseVirtClass('x:Hlt PRIV | y')).toThrow(/m: or c:/);
    expect(() => resolveVirtClass(parseVirtClass('m:Hltt PRIV | typo'), codes)).toThrow(/matches no Code/);
  });

  it('every record of data/virt-class.txt has a reason citing a source', () => {
    const rules = parseVirtClass(readFileSync(join(import.meta.dirname, '..', 'data', 'virt-class.txt'), 'utf8'));
    expect(rules.length).toBeGreaterThan(150);
    for (const r of rules) expect(r.reason, r.source).toMatch(/SDM|APM|Robin|Adams|spec|Cyrix|Geode|LOADALL|i386|i486|SMM|Knights|As (PUSHF|POPF|IRET)|VIA|undocumented/i);
  });
});
