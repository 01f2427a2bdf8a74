/**
 * The port I/O bus (64 Ki ports). Devices implement {@link PortIoDevice} with offsets relative
 * to where an app maps them; only apps choose addresses.
 */
import { ApiMisuseError } from './errors.js';

/** A device reachable through IN/OUT. `offset` is relative to the mapped base port. */
export interface PortIoDevice {
  readPort(offset: number, size: 1 | 2 | 4): number;
  writePort(offset: number, size: 1 | 2 | 4, value: number): void;
}

/** Observer of every port access (tracing, statistics); `null` by default. */
export type PortObserver = (port: number, size: 1 | 2 | 4, value: number, isWrite: boolean) => void;

class UnmappedPort implements PortIoDevice {
  readPort(_offset: number, size: 1 | 2 | 4): number {
    return size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff;
  }
  writePort(): void {}
}
const UNMAPPED = new UnmappedPort();

/**
 * Port dispatch through dense tables prefilled with an "unmapped" device (reads all-ones,
 * writes ignored). Per-port read/write counts are kept for `--stats`.
 */
export class IoBus {
  private readonly devices: PortIoDevice[] = new Array<PortIoDevice>(0x10000).fill(UNMAPPED);
  private readonly bases = new Uint16Array(0x10000);
  /** Reads per port. */
  readonly reads = new Float64Array(0x10000);
  /** Writes per port. */
  readonly writes = new Float64Array(0x10000);
  /** Optional observer; keep null on fast runs. */
  observer: PortObserver | null = null;

  /** Map `device` at ports `[base, base + length)`. Overlapping an existing device is an error. */
  map(base: number, length: number, device: PortIoDevice): void {
    if (!Number.isInteger(base) || !Number.isInteger(length) || base < 0 || length <= 0 || base + length > 0x10000) {
      throw new ApiMisuseError('API_RANGE', `port range 0x${base.toString(16)}+${length} is outside 0..0xffff`);
    }
    for (let p = base; p < base + length; p++) {
      if (this.devices[p] !== UNMAPPED) throw new ApiMisuseError('API_OVERLAP', `port 0x${p.toString(16)} is already mapped`);
    }
    for (let p = base; p < base + length; p++) {
      this.devices[p] = device;
      this.bases[p] = base;
    }
  }

  /** Remove whatever is mapped at `[base, base + length)`. */
  unmap(base: number, length: number): void {
    for (let p = base; p < base + length && p < 0x10000; p++) {
      this.devices[p] = UNMAPPED;
      this.bases[p] = 0;
    }
  }

  /** Whether a device is mapped at `port`. */
  isMapped(port: number): boolean {
    return this.devices[port & 0xffff] !== UNMAPPED;
  }

  /** IN: read `size` bytes from `port`. The device at `port` gets the whole access. */
  read(port: number, size: 1 | 2 | 4): number {
    port &= 0xffff;
    this.reads[port]++;
    const value = this.devices[port].readPort(port - this.bases[port], size);
    if (this.observer !== null) this.observer(port, size, value, false);
    return value;
  }

  /** OUT: write `size` bytes of `value` to `port`. */
  write(port: number, size: 1 | 2 | 4, value: number): void {
    port &= 0xffff;
    this.writes[port]++;
    if (this.observer !== null) this.observer(port, size, value, true);
    this.devices[port].writePort(port - this.bases[port], size, value);
  }

  /** Ports with any access, with their counts (for statistics). */
  busyPorts(): { port: number; reads: number; writes: number }[] {
    const out: { port: number; reads: number; writes: number }[] = [];
    for (let p = 0; p < 0x10000; p++) {
      if (this.reads[p] !== 0 || this.writes[p] !== 0) out.push({ port: p, reads: this.reads[p], writes: this.writes[p] });
    }
    return out;
  }
}
