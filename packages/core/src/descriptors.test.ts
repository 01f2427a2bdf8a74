import { describe, expect, test } from 'vitest';
import { test as ptest, fc } from '@fast-check/vitest';
import {
  SegAttr, decodeDescriptor, encodeDescriptor, descBase, descLimit, descAttr, attrToLarBits, decodeGate, encodeGate,
  selectorIndex, selectorRpl, selectorTi, makeSelector, isNullSelector, withinLimit, canLoadDataSegment,
  canLoadStackSegment, canTransferToCode, canUseCallGate, canEnterThroughCallGate, canUseSoftwareInterruptGate,
  ioPrivileged, attrIsReadable, attrIsWritable, SysDescType,
} from './index.js';

const descArb = fc.record({
  base: fc.integer({ min: 0, max: 0xffffffff }),
  limit: fc.integer({ min: 0, max: 0xfffff }),
  type: fc.integer({ min: 0, max: 15 }),
  s: fc.boolean(), dpl: fc.integer({ min: 0, max: 3 }), present: fc.boolean(), avl: fc.boolean(),
  l: fc.boolean(), db: fc.boolean(), g: fc.boolean(),
});

describe('segment descriptors', () => {
  ptest.prop([descArb])('decode(encode(d)) == d', (d) => {
    const [lo, hi] = encodeDescriptor(d);
    expect(decodeDescriptor(lo, hi)).toEqual(d);
  });

  test('a flat 4 GiB ring-0 code segment (0x00cf9a000000ffff)', () => {
    const lo = 0x0000ffff, hi = 0x00cf9a00;
    expect(descBase(lo, hi)).toBe(0);
    expect(descLimit(lo, hi)).toBe(0xffffffff);
    const attr = descAttr(hi);
    expect(attr & SegAttr.CODE).not.toBe(0);
    expect(attr & SegAttr.DB).not.toBe(0);
    expect(attr & SegAttr.G).not.toBe(0);
    expect((attr >> 5) & 3).toBe(0);
    expect(attrToLarBits(attr)).toBe(hi & 0x00f0ff00);
  });

  test('base bytes are gathered from all three fields', () => {
    const [lo, hi] = encodeDescriptor({ base: 0x12345678, limit: 0xabcde, type: 2, s: true, dpl: 3, present: true, avl: false, l: false, db: true, g: false });
    expect(descBase(lo, hi)).toBe(0x12345678);
    expect(descLimit(lo, hi)).toBe(0xabcde);
  });

  test('G=1 scales the limit and fills the low 12 bits', () => {
    const [lo, hi] = encodeDescriptor({ base: 0, limit: 0x1, type: 2, s: true, dpl: 0, present: true, avl: false, l: false, db: true, g: true });
    expect(descLimit(lo, hi)).toBe(0x1fff);
  });
});

describe('gates', () => {
  ptest.prop([fc.record({
    selector: fc.integer({ min: 0, max: 0xffff }), offset: fc.integer({ min: 0, max: 0xffffffff }),
    type: fc.integer({ min: 0, max: 15 }), dpl: fc.integer({ min: 0, max: 3 }), present: fc.boolean(),
    paramCount: fc.integer({ min: 0, max: 31 }),
  })])('decodeGate(encodeGate(g)) == g', (g) => {
    const [lo, hi] = encodeGate(g);
    expect(decodeGate(lo, hi)).toEqual(g);
  });

  test('a 32-bit interrupt gate', () => {
    const [lo, hi] = encodeGate({ selector: 0x08, offset: 0xc0101234, type: SysDescType.INT_GATE32, dpl: 0, present: true, paramCount: 0 });
    expect(lo >>> 0).toBe(0x00081234);
    expect(hi >>> 0).toBe(0xc0108e00);
  });
});

describe('selectors', () => {
  test('fields', () => {
    const s = makeSelector(5, true, 3);
    expect(s).toBe(0x2f);
    expect(selectorIndex(s)).toBe(5);
    expect(selectorTi(s)).toBe(true);
    expect(selectorRpl(s)).toBe(3);
    expect(isNullSelector(3)).toBe(true);
    expect(isNullSelector(4)).toBe(false); // LDT index 0 is not the null selector
  });
});

describe('limits', () => {
  const data = SegAttr.P | SegAttr.S | SegAttr.WRITABLE;
  const down = data | SegAttr.EXPAND_DOWN;
  test('expand-up: last byte must be within the limit', () => {
    expect(withinLimit(0xfffe, 2, 0xffff, data)).toBe(true);
    expect(withinLimit(0xffff, 2, 0xffff, data)).toBe(false);
  });
  test('expand-down, B=0: valid offsets are limit+1..0xffff', () => {
    expect(withinLimit(0x1000, 1, 0x0fff, down)).toBe(true);
    expect(withinLimit(0x0fff, 1, 0x0fff, down)).toBe(false);
    expect(withinLimit(0xffff, 2, 0x0fff, down)).toBe(false);
  });
  test('expand-down, B=1: up to 0xffffffff', () => {
    expect(withinLimit(0xfffffffc, 4, 0x0fff, down | SegAttr.DB)).toBe(true);
  });
});

describe('privilege rules (Intel SDM Vol. 3A ch. 5)', () => {
  const dataDpl = (dpl: number): number => SegAttr.P | SegAttr.S | SegAttr.WRITABLE | (dpl << 5);
  const code = (dpl: number, conforming = false, readable = true): number =>
    SegAttr.P | SegAttr.S | SegAttr.CODE | (readable ? SegAttr.READABLE : 0) | (conforming ? SegAttr.CONFORMING : 0) | (dpl << 5);

  test('data segment loads need max(CPL,RPL) <= DPL', () => {
    expect(canLoadDataSegment(0, 0, dataDpl(0))).toBe(true);
    expect(canLoadDataSegment(3, 0, dataDpl(0))).toBe(false);
    expect(canLoadDataSegment(0, 3, dataDpl(0))).toBe(false);
    expect(canLoadDataSegment(3, 3, dataDpl(3))).toBe(true);
    expect(canLoadDataSegment(3, 3, code(0, true))).toBe(true); // conforming readable code: no check
    expect(canLoadDataSegment(0, 0, code(0, false, false))).toBe(false); // execute-only code
  });

  test('SS loads need RPL = DPL = CPL and a writable data segment', () => {
    expect(canLoadStackSegment(0, 0, dataDpl(0))).toBe(true);
    expect(canLoadStackSegment(0, 1, dataDpl(0))).toBe(false);
    expect(canLoadStackSegment(3, 3, dataDpl(0))).toBe(false);
    expect(canLoadStackSegment(0, 0, code(0))).toBe(false);
    expect(attrIsWritable(code(0))).toBe(false);
    expect(attrIsReadable(code(0))).toBe(true);
  });

  test('direct far transfers', () => {
    expect(canTransferToCode(3, 3, code(3))).toBe(true);
    expect(canTransferToCode(3, 3, code(0))).toBe(false);
    expect(canTransferToCode(0, 3, code(0))).toBe(false); // RPL > CPL
    expect(canTransferToCode(3, 3, code(0, true))).toBe(true); // conforming, DPL <= CPL
    expect(canTransferToCode(0, 0, code(3, true))).toBe(false);
  });

  test('call gates and interrupt gates', () => {
    expect(canUseCallGate(3, 3, 3)).toBe(true);
    expect(canUseCallGate(3, 0, 0)).toBe(false);
    expect(canEnterThroughCallGate(3, code(0), false)).toBe(true);
    expect(canEnterThroughCallGate(3, code(0), true)).toBe(false);
    expect(canUseSoftwareInterruptGate(3, 0)).toBe(false);
    expect(canUseSoftwareInterruptGate(3, 3)).toBe(true);
    expect(ioPrivileged(3, 0)).toBe(false);
    expect(ioPrivileged(0, 0)).toBe(true);
  });
});
