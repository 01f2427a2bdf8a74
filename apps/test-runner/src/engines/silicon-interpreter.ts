/**
 * Runs one real-silicon corpus test (`tools/capture/corpus`, read by test-utils) on
 * `@x86kit/interpreter`, in the environment the capture had: CPL 3, paging on with the test's
 * pages and permissions, flat 32-bit segments (selectors 0x23/0x2B as Linux gives a 32-bit
 * process) or the 16-bit LDT segments of the 16-bit tests (0x07 code at 0x10000000, 0x0F data
 * at 0x1FFF8000). Every exception is intercepted before delivery, so the vector, error code and
 * CR2 are compared directly. 64-bit tests need a long-mode core and are skipped, as are x87/SIMD
 * forms (this adapter does not load FPU/SSE state).
 */
import { Cr0, PhysicalMemoryBus, Seg, SegAttr, SysSeg, encodeDescriptor, exceptionKind, ExcKind, Exc, Pte } from '@x86kit/core';
import { Decoder, Instruction } from '@x86kit/decoder';
import { Cpu, RunStatus } from '@x86kit/interpreter';
import { siliconFlagsCompareMask, siliconPageBytes, type SiliconTestCase } from '@x86kit/test-utils';

/** Categories whose tests use only integer state. */
export const INTEGER_CATEGORIES: ReadonlySet<string> = new Set(['int', 'muldiv', 'shift', 'bit', 'bcd', 'string', 'branch', 'stack', 'sys', 'bmi']);

// Physical layout of the test machine (all below 1 MiB).
const PD = 0x1000;
const PT_LOW = 0x2000; // identity map of 0..64 KiB, supervisor only (descriptor tables)
const PT_CODE = 0x3000; // linear 0x10000000..
const PT_DATA_LO = 0x4000; // linear 0x1FC00000.. (the 16-bit data segment starts at 0x1FFF8000)
const PT_DATA_HI = 0x7000; // linear 0x20000000..
const GDT = 0x5000;
const LDT = 0x6000;
const TSS = 0x8000; // a 32-bit TSS with no I/O permission bitmap: CPL 3 port I/O raises #GP(0)
const FRAMES = 0x10000; // test pages, one 4 KiB frame each
const SEL = { LDT: 0x18, CODE32: 0x23, DATA32: 0x2b, CODE16: 0x07, DATA16: 0x0f } as const;
const ATTR_CODE = SegAttr.P | SegAttr.S | SegAttr.CODE | SegAttr.READABLE | SegAttr.ACCESSED | (3 << SegAttr.DPL_SHIFT);
const ATTR_DATA = SegAttr.P | SegAttr.S | SegAttr.WRITABLE | SegAttr.ACCESSED | (3 << SegAttr.DPL_SHIFT);

const hex = (v: number): string => `0x${(v >>> 0).toString(16)}`;

/** The adapter; reuse one per worker. */
export class SiliconInterpreterRunner {
  private readonly bus = new PhysicalMemoryBus();
  private readonly cpu: Cpu;
  private readonly insn = new Instruction();
  private readonly decoders = { 16: new Decoder({ bitness: 16 }), 32: new Decoder({ bitness: 32 }) };

  constructor() {
    this.bus.mapRam(0, 1 << 20);
    this.cpu = new Cpu({ memory: this.bus });
  }

  private writeDesc(table: number, index: number, base: number, limit: number, attr: number): void {
    const [lo, hi] = encodeDescriptor({
      base, limit, type: attr & 0xf, s: (attr & SegAttr.S) !== 0, dpl: (attr >>> SegAttr.DPL_SHIFT) & 3,
      present: (attr & SegAttr.P) !== 0, avl: false, l: false, db: (attr & SegAttr.DB) !== 0, g: (attr & SegAttr.G) !== 0,
    });
    this.bus.write32(table + 8 * index, lo);
    this.bus.write32(table + 8 * index + 4, hi);
  }

  /** Run `t`; `''` when the interpreter did what the silicon did, else the differences. */
  run(t: SiliconTestCase): string {
    if (t.mode === 64) throw new Error('64-bit tests are not supported by this adapter');
    const bus = this.bus;
    const zero = new Uint8Array(0x10000);
    bus.writeBytes(0, zero);
    bus.writeBytes(FRAMES, new Uint8Array(0x1000 * t.pages.length));
    // Paging: 4 KiB pages, user pages per the test, descriptor tables supervisor-only.
    bus.write32(PD + 4 * 0, PT_LOW | Pte.P | Pte.RW);
    for (let p = 0; p < 16; p++) bus.write32(PT_LOW + 4 * p, (p << 12) | Pte.P | Pte.RW);
    bus.write32(PD + 4 * (0x10000000 >>> 22), PT_CODE | Pte.P | Pte.RW | Pte.US);
    bus.write32(PD + 4 * (0x1fc00000 >>> 22), PT_DATA_LO | Pte.P | Pte.RW | Pte.US);
    bus.write32(PD + 4 * (0x20000000 >>> 22), PT_DATA_HI | Pte.P | Pte.RW | Pte.US);
    const ptOf: Record<number, number> = { [0x10000000 >>> 22]: PT_CODE, [0x1fc00000 >>> 22]: PT_DATA_LO, [0x20000000 >>> 22]: PT_DATA_HI };
    for (let i = 0; i < t.pages.length; i++) {
      const pg = t.pages[i];
      const pt = ptOf[pg.base >>> 22];
      if (pt === undefined) return `page ${hex(pg.base)} outside the adapter's layout`;
      if (pg.perm !== 'none') {
        bus.write32(pt + 4 * ((pg.base >>> 12) & 0x3ff), (FRAMES + 0x1000 * i) | Pte.P | Pte.US | (pg.perm === 'rw' ? Pte.RW : 0));
        bus.writeBytes(FRAMES + 0x1000 * i, siliconPageBytes(t, pg));
      }
    }
    // Descriptor tables (for instructions that reload segments).
    this.writeDesc(GDT, 3, LDT, 0x0f, SegAttr.P | 0x2);
    this.writeDesc(GDT, 4, 0, 0xfffff, ATTR_CODE | SegAttr.DB | SegAttr.G);
    this.writeDesc(GDT, 5, 0, 0xfffff, ATTR_DATA | SegAttr.DB | SegAttr.G);
    this.writeDesc(GDT, 12, 0, 0xfffff, ATTR_DATA | SegAttr.DB | SegAttr.G); // GS = 0x63, Linux's 32-bit TLS slot
    this.writeDesc(LDT, 0, 0x10000000, 0xffff, ATTR_CODE);
    this.writeDesc(LDT, 1, 0x1fff8000, 0xffff, ATTR_DATA);

    const c = this.cpu;
    c.reset();
    const s = c.state;
    s.gpr.fill(0);
    for (let r = 0; r < 8; r++) s.gpr[2 * r] = t.initial.gpr[2 * r];
    s.rflags = t.initial.rflags | 0x2;
    s.cr0 = Cr0.PE | Cr0.PG | Cr0.ET | Cr0.NE | Cr0.WP;
    s.cr3[0] = PD;
    s.gdtrBase[0] = GDT;
    s.gdtrLimit = 8 * 13 - 1;
    s.idtrLimit = 0;
    bus.write16(TSS + 0x66, 0x68); // I/O map base past the limit
    s.segSel[SysSeg.TR] = 0x30;
    s.segBase[2 * SysSeg.TR] = TSS;
    s.segLimit[SysSeg.TR] = 0x67;
    s.segSel[SysSeg.LDTR] = SEL.LDT;
    s.segBase[2 * SysSeg.LDTR] = LDT;
    s.segLimit[SysSeg.LDTR] = 0x0f;
    const set = (seg: number, sel: number, base: number, limit: number, attr: number): void => {
      s.segSel[seg] = sel; s.segBase[2 * seg] = base | 0; s.segBase[2 * seg + 1] = 0; s.segLimit[seg] = limit >>> 0; s.segAttr[seg] = attr;
    };
    if (t.mode === 32) {
      set(Seg.CS, SEL.CODE32, 0, 0xffffffff, ATTR_CODE | SegAttr.DB | SegAttr.G);
      for (const d of [Seg.SS, Seg.DS, Seg.ES]) set(d, SEL.DATA32, 0, 0xffffffff, ATTR_DATA | SegAttr.DB | SegAttr.G);
    } else {
      set(Seg.CS, SEL.CODE16, 0x10000000, 0xffff, ATTR_CODE);
      for (const d of [Seg.SS, Seg.DS, Seg.ES]) set(d, SEL.DATA16, 0x1fff8000, 0xffff, ATTR_DATA);
    }
    // FS/GS hold the capturing process's values: FS = 0, GS = 0x63 (no test addresses through them).
    set(Seg.FS, 0, 0, 0, 0);
    set(Seg.GS, 0x63, 0, 0xffffffff, ATTR_DATA | SegAttr.DB | SegAttr.G);
    s.eip = t.ip;
    c.loadFromState();
    c.interceptExceptions = -1;

    // One instruction; a REP string instruction runs all its iterations (the interpreter
    // retires one iteration per step and stays at the instruction until the count is done).
    let st = c.run(1);
    for (let n = 0; st === RunStatus.BudgetExhausted && c.eip >>> 0 === t.ip >>> 0 && n < 1 << 20; n++) st = c.run(1);
    // The capture ran until the next fetch: a transfer to a page that is not present faults
    // there (#PF at the target), so fetch once more when the new IP left the present pages.
    if (st === RunStatus.BudgetExhausted) {
      const next = (s.segBase[2 * Seg.CS] + c.eip) >>> 0;
      const present = t.pages.some((p) => p.perm !== 'none' && p.base === (next & ~0xfff) >>> 0);
      if (!present) {
        const saved = c.snapshot();
        const st2 = c.run(1);
        if (st2 === RunStatus.Intercept) st = st2;
        else c.restore(saved);
      }
    }
    c.storeToState();
    const diffs: string[] = [];
    const e = t.expected;
    let ip = c.eip >>> 0;
    let vector = -1;
    let rf = 0;
    if (st === RunStatus.Intercept) {
      vector = c.exit.code;
      // Faults are delivered with RFLAGS.RF set in the pushed image (Intel SDM Vol. 3A 17.3.1.1);
      // the silicon's expectation is that image.
      rf = exceptionKind(vector) === ExcKind.Trap ? 0 : 0x10000;
      // Traps raised by the instruction itself report the IP after it, as the silicon did.
      if (exceptionKind(vector) === ExcKind.Trap || (vector === Exc.DB && t.code[0] === 0xf1)) {
        const d = this.decoders[t.mode];
        d.setIp(t.ip);
        d.decodeInto(this.insn, t.code, 0);
        ip = (ip + this.insn.length) >>> 0;
      }
    } else if (st !== RunStatus.BudgetExhausted) {
      diffs.push(`run status ${st}`);
    }
    const want = e.exception;
    if ((want?.vector ?? -1) !== vector) diffs.push(`exception ${vector < 0 ? 'none' : vector} want ${want === undefined ? 'none' : want.vector}`);
    else if (want !== undefined) {
      if ((c.exit.info1 < 0 ? 0 : c.exit.info1) !== want.errorCode) diffs.push(`error code ${hex(c.exit.info1)} want ${hex(want.errorCode)}`);
      if (want.cr2 !== undefined && BigInt(s.cr2[0] >>> 0) !== want.cr2) diffs.push(`cr2 ${hex(s.cr2[0])} want ${hex(Number(want.cr2))}`);
    }
    if (ip !== e.ip >>> 0) diffs.push(`ip ${hex(ip)} want ${hex(e.ip)}`);
    if (e.cs !== undefined && s.segSel[Seg.CS] !== e.cs) diffs.push(`cs ${hex(s.segSel[Seg.CS])} want ${hex(e.cs)}`);
    const mask = siliconFlagsCompareMask(t);
    const flags = s.rflags | rf;
    if (((flags & mask) >>> 0) !== ((e.state.rflags & mask) >>> 0)) diffs.push(`rflags ${hex(flags & mask)} want ${hex(e.state.rflags & mask)} (mask ${hex(mask)})`);
    if (!t.undefinedDest) {
      const names = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];
      for (let r = 0; r < 8; r++) {
        if ((s.gpr[2 * r] | 0) !== (e.state.gpr[2 * r] | 0)) diffs.push(`${names[r]} ${hex(s.gpr[2 * r])} want ${hex(e.state.gpr[2 * r])}`);
      }
    }
    // Memory: every byte of every present page must equal its initial value with the
    // expected changes applied (not compared when the destination is architecturally undefined).
    for (let i = 0; i < t.pages.length && !t.undefinedDest; i++) {
      const pg = t.pages[i];
      if (pg.perm === 'none') continue;
      const wantPage = siliconPageBytes(t, pg);
      for (const run of e.memoryChanged) {
        for (let k = 0; k < run.bytes.length; k++) {
          const a = run.addr + k - pg.base;
          if (a >= 0 && a < 4096) wantPage[a] = run.bytes[k];
        }
      }
      const got = new Uint8Array(4096);
      bus.readBytes(FRAMES + 0x1000 * i, got);
      for (let a = 0; a < 4096; a++) {
        if (got[a] !== wantPage[a]) { diffs.push(`mem[${hex(pg.base + a)}] ${hex(got[a])} want ${hex(wantPage[a])}`); break; }
      }
    }
    return diffs.join(', ');
  }
}
