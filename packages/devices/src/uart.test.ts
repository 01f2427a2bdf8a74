import { describe, expect, test } from 'vitest';
import { IoBus, IrqLatch, VirtualClock } from '@x86kit/core';
import { ByteBuffer } from './common.js';
import { Uart16550, UartIir, UartLsr } from './uart.js';

const B = Uart16550.DEFAULT_COM1;
function setup(clock?: VirtualClock): { io: IoBus; uart: Uart16550; irq: IrqLatch; out: ByteBuffer } {
  const irq = new IrqLatch();
  const out = new ByteBuffer();
  const uart = clock ? new Uart16550({ irq, tx: out.push, clock }) : new Uart16550({ irq, tx: out.push });
  const io = new IoBus();
  io.map(B, 8, uart);
  return { io, uart, irq, out };
}
/** Linux 8250 style init: 115200 8N1, FIFO on with a trigger level, DTR|RTS|OUT2. */
function init(io: IoBus, fcr = 0xc7): void {
  io.write(B + 3, 1, 0x80);
  io.write(B + 0, 1, 0x01);
  io.write(B + 1, 1, 0x00);
  io.write(B + 3, 1, 0x03);
  io.write(B + 2, 1, fcr);
  io.write(B + 4, 1, 0x0b);
}

describe('16550A UART', () => {
  test('divisor latch and baud rate; polled transmit to the host sink', () => {
    const { io, uart, out } = setup();
    init(io);
    expect(uart.baudRate).toBe(115200);
    for (const c of 'hi\n') {
      while ((io.read(B + 5, 1) & UartLsr.THRE) === 0) { /* wait */ }
      io.write(B, 1, c.charCodeAt(0));
    }
    expect(out.text()).toBe('hi\n');
    expect(uart.counters.get('txBytes')).toBe(3);
    expect(io.read(B + 2, 1) & 0xc0).toBe(0xc0); // FIFOs enabled
  });

  test('scratch register and the 16550A signature', () => {
    const { io } = setup();
    io.write(B + 7, 1, 0x5a);
    expect(io.read(B + 7, 1)).toBe(0x5a);
    io.write(B + 2, 1, 0x01);
    expect(io.read(B + 2, 1) >> 6).toBe(3); // 16550A: both FIFO bits
  });

  test('loopback: TX returns on RX, MSR mirrors MCR (Linux autoconfig check)', () => {
    const { io, out, irq } = setup();
    init(io);
    io.write(B + 4, 1, 0x1a); // LOOP | OUT2 | RTS
    expect(io.read(B + 6, 1) & 0xf0).toBe(0x90); // DCD | CTS
    io.write(B + 1, 1, 0x01);
    io.write(B, 1, 0x42);
    expect(out.length).toBe(0);
    expect(io.read(B + 5, 1) & UartLsr.DR).toBe(UartLsr.DR);
    expect(io.read(B, 1)).toBe(0x42);
    expect(irq.risingEdges).toBe(0); // loopback disconnects the IRQ output on a PC
  });

  test('THRE interrupt: raised on enable, cleared by reading IIR, re-raised after a write', () => {
    const { io, irq } = setup();
    init(io);
    io.write(B + 1, 1, 0x02); // ETBEI
    expect(irq.level).toBe(true);
    expect(io.read(B + 2, 1) & 0x0f).toBe(UartIir.THRE);
    expect(irq.level).toBe(false);
    expect(io.read(B + 2, 1) & 0x0f).toBe(UartIir.NONE);
    io.write(B, 1, 0x41);
    expect(irq.level).toBe(true);
    expect(irq.risingEdges).toBe(2);
  });

  test('OUT2 gates the IRQ to the PIC', () => {
    const { io, irq } = setup();
    init(io);
    io.write(B + 4, 1, 0x03); // OUT2 off
    io.write(B + 1, 1, 0x02);
    expect(irq.level).toBe(false);
    io.write(B + 4, 1, 0x0b);
    expect(irq.level).toBe(true);
  });

  test('RX FIFO trigger level 8 and the character timeout under the virtual clock', () => {
    const clock = new VirtualClock();
    const { io, uart, irq } = setup(clock);
    init(io, 0x87); // FIFO, clear, trigger 8
    io.write(B + 1, 1, 0x01); // ERBFI
    for (let i = 0; i < 7; i++) uart.receive(0x30 + i);
    expect(irq.level).toBe(false); // below the trigger level
    uart.receive(0x37);
    expect(io.read(B + 2, 1) & 0x0f).toBe(UartIir.RDA);
    for (let i = 0; i < 5; i++) expect(io.read(B, 1)).toBe(0x30 + i);
    expect(irq.level).toBe(false); // 3 bytes left, below trigger, timeout not yet
    clock.advanceTo(clock.nextDeadline());
    clock.runDue();
    expect(io.read(B + 2, 1) & 0x0f).toBe(UartIir.CTI);
    expect(irq.level).toBe(true);
    io.read(B, 1); io.read(B, 1); io.read(B, 1);
    expect(io.read(B + 2, 1) & 0x0f).toBe(UartIir.NONE);
    expect(io.read(B + 5, 1) & UartLsr.DR).toBe(0);
  });

  test('overrun: line status interrupt has priority, LSR read clears OE', () => {
    const { io, uart } = setup();
    init(io, 0x07); // FIFO, trigger 1
    io.write(B + 1, 1, 0x05); // ERBFI | ELSI
    for (let i = 0; i < 17; i++) uart.receive(i);
    expect(uart.counters.get('rxOverruns')).toBe(1);
    expect(io.read(B + 2, 1) & 0x0f).toBe(UartIir.RLS);
    expect(io.read(B + 5, 1) & UartLsr.OE).toBe(UartLsr.OE);
    expect(io.read(B + 2, 1) & 0x0f).toBe(UartIir.RDA);
    expect(uart.rxLevel).toBe(16);
  });

  test('non-FIFO mode: a single holding register', () => {
    const { io, uart } = setup();
    init(io, 0x00);
    uart.receive(1);
    uart.receive(2);
    expect(io.read(B + 5, 1) & (UartLsr.DR | UartLsr.OE)).toBe(UartLsr.DR | UartLsr.OE);
    expect(io.read(B, 1)).toBe(2);
  });

  test('modem status interrupt on CTS change, cleared by reading MSR', () => {
    const { io, uart, irq } = setup();
    init(io);
    io.write(B + 1, 1, 0x08);
    uart.setModemInputs(0x20 | 0x80); // CTS dropped
    expect(irq.level).toBe(true);
    expect(io.read(B + 2, 1) & 0x0f).toBe(UartIir.MS);
    expect(io.read(B + 6, 1) & 0x0f).toBe(0x01); // DCTS
    expect(irq.level).toBe(false);
  });

  test('a 16-bit read counts as a bad access and reads two registers', () => {
    const { io, uart } = setup();
    io.write(B + 7, 1, 0x12);
    expect(io.read(B + 6, 2) >> 8).toBe(0x12);
    expect(uart.counters.get('badAccesses')).toBe(1);
  });

  test('snapshot/restore round-trips including the FIFO contents', () => {
    const { io, uart } = setup();
    init(io);
    uart.receiveBytes(Uint8Array.of(1, 2, 3));
    io.read(B, 1);
    const s = JSON.parse(JSON.stringify(uart.snapshot()));
    const copy = Uart16550.restore(s);
    expect(copy.snapshot()).toEqual(uart.snapshot());
    expect(copy.readByte(0)).toBe(2);
  });

  test.each([[0x07, 1], [0x47, 4], [0xc7, 14]])('FCR 0x%s: RDA exactly at trigger level %i', (fcr, level) => {
    const { io, uart, irq } = setup(new VirtualClock());
    init(io, fcr);
    io.write(B + 1, 1, 0x01);
    for (let i = 0; i < level - 1; i++) uart.receive(i);
    expect(irq.level).toBe(false);
    uart.receive(0xaa);
    expect(irq.level).toBe(true);
    expect(io.read(B + 2, 1)).toBe(0xc0 | UartIir.RDA);
  });
});
