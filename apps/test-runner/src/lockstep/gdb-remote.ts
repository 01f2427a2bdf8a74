/**
 * A minimal GDB remote serial protocol client (the protocol of `gdbserver` and QEMU's gdbstub;
 * GDB manual, "Remote Protocol"): packet framing `$data#checksum`, acks, run-length decoding,
 * `}` escapes, and the requests a lockstep engine needs: `?`, `g`/`G`, `m`/`M`, `s`, `c`,
 * `Z0`/`z0`, `qXfer:features:read`, and the 0x03 interrupt.
 */
import { connect, type Socket } from 'node:net';

/** A malformed reply, a timeout or a closed connection. */
export class GdbProtocolError extends Error {
  override readonly name = 'GdbProtocolError';
}

/** The checksum of a packet payload: the sum of its bytes modulo 256, two hex digits. */
export function gdbChecksum(data: string): string {
  let s = 0;
  for (let i = 0; i < data.length; i++) s = (s + data.charCodeAt(i)) & 0xff;
  return s.toString(16).padStart(2, '0');
}

/** Frame a payload as a packet. */
export function gdbFrame(data: string): string {
  return `$${data}#${gdbChecksum(data)}`;
}

/** Undo `}` escapes and `*` run-length encoding in a received payload. */
export function gdbDecodePayload(raw: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === '}' && i + 1 < raw.length) {
      out += String.fromCharCode(raw.charCodeAt(++i) ^ 0x20);
    } else if (c === '*' && i + 1 < raw.length && out.length > 0) {
      const n = raw.charCodeAt(++i) - 29;
      out += out[out.length - 1].repeat(n);
    } else {
      out += c;
    }
  }
  return out;
}

/**
 * Incremental packet scanner: feed it bytes, get complete payloads (acks and `%` notifications
 * are dropped; a bad checksum is reported so the caller can NAK).
 */
export class GdbPacketScanner {
  private buf = '';
  /** Returns the payloads completed by `chunk`, in order; `null` entries are bad checksums. */
  push(chunk: string): (string | null)[] {
    this.buf += chunk;
    const out: (string | null)[] = [];
    for (;;) {
      const start = this.buf.search(/[$%]/);
      if (start < 0) { this.buf = ''; return out; }
      const hash = this.buf.indexOf('#', start);
      if (hash < 0 || hash + 2 >= this.buf.length) { this.buf = this.buf.slice(start); return out; }
      const raw = this.buf.slice(start + 1, hash);
      const sum = this.buf.slice(hash + 1, hash + 3);
      const notification = this.buf[start] === '%';
      this.buf = this.buf.slice(hash + 3);
      if (notification) continue;
      out.push(gdbChecksum(raw) === sum.toLowerCase() ? gdbDecodePayload(raw) : null);
    }
  }
}

/** A connected GDB remote session. One request at a time. */
export class GdbRemote {
  private readonly sock: Socket;
  private readonly scanner = new GdbPacketScanner();
  private readonly queue: string[] = [];
  private waiter: ((p: string) => void) | null = null;
  private failWaiter: ((e: Error) => void) | null = null;
  private closedError: Error | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private ack = true;

  private constructor(sock: Socket) {
    this.sock = sock;
    sock.setEncoding('latin1');
    sock.setNoDelay(true);
    sock.on('data', (d: string) => {
      for (const p of this.scanner.push(d)) {
        if (p === null) { if (this.ack) sock.write('-'); continue; }
        if (this.ack) sock.write('+');
        if (this.waiter !== null) { const w = this.waiter; this.waiter = null; w(p); } else this.queue.push(p);
      }
    });
    const onClose = (e?: Error): void => {
      this.closedError = e ?? new GdbProtocolError('gdb connection closed');
      const f = this.failWaiter;
      this.waiter = null;
      this.failWaiter = null;
      if (f !== null) f(this.closedError);
    };
    sock.on('error', onClose);
    sock.on('close', () => onClose());
  }

  /** Connect, retrying until `timeoutMs` (the stub may still be starting). */
  static async connect(host: string, port: number, timeoutMs = 10_000): Promise<GdbRemote> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const sock = await new Promise<Socket>((resolve, reject) => {
          const s = connect({ host, port }, () => { s.off('error', reject); resolve(s); });
          s.once('error', reject);
        });
        const g = new GdbRemote(sock);
        const r = await g.request('QStartNoAckMode');
        if (r === 'OK') g.ack = false;
        return g;
      } catch (e) {
        if (Date.now() > deadline) throw new GdbProtocolError(`cannot connect to gdbstub at ${host}:${port}: ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  private nextPacket(timeoutMs: number): Promise<string> {
    const q = this.queue.shift();
    if (q !== undefined) return Promise.resolve(q);
    if (this.closedError !== null) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => { this.waiter = null; this.failWaiter = null; reject(new GdbProtocolError(`gdbstub: no reply within ${timeoutMs} ms`)); }, timeoutMs);
      this.waiter = (p) => { clearTimeout(t); this.failWaiter = null; resolve(p); };
      this.failWaiter = (e) => { clearTimeout(t); reject(e); };
    });
  }

  /** Send one packet and wait for its reply. */
  request(data: string, timeoutMs = 5000): Promise<string> {
    const run = async (): Promise<string> => {
      this.sock.write(gdbFrame(data));
      return this.nextPacket(timeoutMs);
    };
    const p = this.chain.then(run, run);
    this.chain = p.catch(() => undefined);
    return p;
  }

  /**
   * Single-step (`s`) and wait for the stop reply. If none comes within `timeoutMs` (a HLT
   * with interrupts off never "finishes" in QEMU), interrupt with 0x03 and return `null`.
   */
  stepOrInterrupt(timeoutMs: number): Promise<string | null> {
    const run = async (): Promise<string | null> => {
      this.sock.write(gdbFrame('s'));
      try {
        return await this.nextPacket(timeoutMs);
      } catch (e) {
        if (!(e instanceof GdbProtocolError) || this.closedError !== null) throw e;
        this.sock.write('\x03');
        await this.nextPacket(5000);
        return null;
      }
    };
    const p = this.chain.then(run, run);
    this.chain = p.catch(() => undefined);
    return p;
  }

  /** Read `len` bytes of guest memory at a (linear) address (`m`). */
  async readMemory(addr: number, len: number): Promise<Uint8Array> {
    const out = new Uint8Array(len);
    for (let off = 0; off < len; off += 1024) {
      const n = Math.min(1024, len - off);
      const r = await this.request(`m${((addr + off) >>> 0).toString(16)},${n.toString(16)}`);
      if (r.startsWith('E') || r.length !== 2 * n) throw new GdbProtocolError(`m ${(addr + off).toString(16)}: ${r}`);
      out.set(Buffer.from(r, 'hex'), off);
    }
    return out;
  }

  /** Write guest memory (`M`), in chunks. */
  async writeMemory(addr: number, bytes: Uint8Array): Promise<void> {
    for (let off = 0; off < bytes.length; off += 1024) {
      const part = bytes.subarray(off, off + 1024);
      const r = await this.request(`M${((addr + off) >>> 0).toString(16)},${part.length.toString(16)}:${Buffer.from(part).toString('hex')}`);
      if (r !== 'OK') throw new GdbProtocolError(`M ${(addr + off).toString(16)}: ${r}`);
    }
  }

  /** Continue until a software breakpoint at `addr` (`Z0`, `c`, `z0`); returns the stop reply. */
  async continueTo(addr: number, timeoutMs = 10_000): Promise<string> {
    const a = (addr >>> 0).toString(16);
    const z = await this.request(`Z0,${a},1`);
    if (z !== 'OK') throw new GdbProtocolError(`Z0 ${a}: ${z || 'not supported'}`);
    const stop = await this.request('c', timeoutMs);
    await this.request(`z0,${a},1`);
    return stop;
  }

  /** Read a whole `qXfer:features:read` annex (target description XML). */
  async readFeature(annex: string): Promise<string> {
    let out = '';
    for (;;) {
      const r = await this.request(`qXfer:features:read:${annex}:${out.length.toString(16)},ffb`);
      if (r === '' || r.startsWith('E')) throw new GdbProtocolError(`qXfer ${annex}: ${r || 'not supported'}`);
      out += r.slice(1);
      if (r[0] === 'l') return out;
    }
  }

  /** True once the stub closed the connection (e.g. QEMU exited through isa-debug-exit). */
  get closed(): boolean {
    return this.closedError !== null;
  }

  /** Close the connection (after `k` when `kill`). */
  async close(kill = true): Promise<void> {
    if (kill && this.closedError === null) {
      this.sock.write(gdbFrame('k'));
      await new Promise((r) => setTimeout(r, 10));
    }
    this.sock.destroy();
  }
}
