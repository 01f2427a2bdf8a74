import { describe, expect, test } from 'vitest';
import { ByteBuffer, ChunkedSink, IrqSplitter, fromBcd, splitRead, toBcd } from './common.js';
import { IrqLatch } from '@x86kit/core';

describe('helpers', () => {
  test('ChunkedSink batches by line and size', () => {
    const chunks: string[] = [];
    const sink = new ChunkedSink((c) => chunks.push(String.fromCharCode(...c)), 4);
    for (const ch of 'ab\nabcdef') sink.push(ch.charCodeAt(0));
    sink.flush();
    expect(chunks).toEqual(['ab\n', 'abcd', 'ef']);
  });

  test('ByteBuffer grows and decodes', () => {
    const b = new ByteBuffer();
    for (let i = 0; i < 1000; i++) b.push(0x41 + (i % 26));
    expect(b.length).toBe(1000);
    expect(b.text().slice(0, 3)).toBe('ABC');
  });

  test('IrqSplitter forwards level changes to every target', () => {
    const a = new IrqLatch();
    const b = new IrqLatch();
    const s = new IrqSplitter([a, b]);
    s.raise(); s.raise(); s.lower();
    expect([a.risingEdges, b.risingEdges, a.level, b.level]).toEqual([1, 1, false, false]);
  });

  test('BCD and the ISA split of wide accesses', () => {
    expect(toBcd(59)).toBe(0x59);
    expect(fromBcd(0x47)).toBe(47);
    const regs = { readByte: (o: number): number => o + 1, writeByte: (): void => {} };
    expect(splitRead(regs, 2, 0, 4)).toBe(0xffff0201);
  });
});
