import { describe, expect, it } from 'vitest';
import { ICED_DEFAULT_IP, icedConformanceDir, loadIcedDecoderVectors, parseIcedDecoderLine, parseIcedMemoryLine } from './iced-vectors.js';

describe('iced decoder vector parser', () => {
  it('parses operands, flags, error, decoder options and constant offsets', () => {
    const v = parseIcedDecoderLine('F0 00 38, Add_rm8_r8, Add, 2, op0=m;ds;rax;;1;0;0;UInt8 op1=r;bh lock xrelease repe es: co=0;0;0;0;2;0', 64, 7);
    expect(v?.bytes).toEqual(Uint8Array.of(0xf0, 0x00, 0x38));
    expect([v?.code, v?.mnemonic, v?.opCount, v?.error, v?.lineNo, v?.ip]).toEqual(['Add_rm8_r8', 'Add', 2, 'None', 7, ICED_DEFAULT_IP[64]]);
    expect(v?.operands[0]).toEqual({ kind: 'm', segment: 'ds', base: 'rax', index: '', scale: 1, displacement: 0n, displSize: 0, memorySize: 'UInt8' });
    expect(v?.operands[1]).toEqual({ kind: 'r', register: 'bh' });
    expect([...(v?.flags ?? [])].sort()).toEqual(['lock', 'repe', 'xrelease']);
    expect(v?.segmentPrefix).toBe('es');
    expect(v?.constantOffsets).toEqual({ immOffset: 0, immSize: 0, imm2Offset: 0, imm2Size: 0, dispOffset: 2, dispSize: 0 });
    const inv = parseIcedDecoderLine('66, INVALID, INVALID, 0, code=INVALID err=NoMoreBytes decopt=AMD;Cyrix', 32);
    expect([inv?.error, inv?.decoderOptions]).toEqual(['NoMoreBytes', ['AMD', 'Cyrix']]);
    expect(parseIcedDecoderLine('# comment', 16)).toBeUndefined();
    expect(parseIcedDecoderLine('   ', 16)).toBeUndefined();
    const imm = parseIcedDecoderLine('6A A5, Pushq_imm8, Push, 1, op0=i8to64;0xFFFFFFFFFFFFFFA5 rc-rz k3', 64);
    expect(imm?.operands[0]).toEqual({ kind: 'i8to64', value: 0xffffffffffffffa5n });
    expect([imm?.rounding, imm?.opMask]).toEqual(['rz', 'k3']);
  });

  it('parses MemoryTest lines (scale stored as log2)', () => {
    const m = parseIcedMemoryLine('67 01 06 5AA5, Add_rm32_r32, eax, none, ds, none, none, 2, 0xA55A, 2, 0;0;0;0;3;2', 16);
    expect([m?.code, m?.register, m?.segmentPrefix, m?.segment, m?.base, m?.index, m?.scale, m?.displacement, m?.displSize])
      .toEqual(['Add_rm32_r32', 'eax', 'none', 'ds', 'none', 'none', 4, 0xa55an, 2]);
  });

  it.skipIf(icedConformanceDir() === undefined)('loads the shared DecoderTest16 file', () => {
    const vs = loadIcedDecoderVectors('Decoder/DecoderTest16.txt.gz', 16) ?? [];
    expect(vs.length).toBeGreaterThan(20_000);
  });
});
