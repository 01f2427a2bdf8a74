/**
 * Hardware task switching (Intel SDM Vol. 3A, 7.3 "Task Switching"; AMD APM Vol. 2, 12.3):
 * JMP/CALL to a TSS descriptor or task gate, INT/exception through a task gate, and IRET with
 * NT = 1 (return to the back-link task). 16-bit (286) and 32-bit TSS formats. A switch clears
 * DR7.L0–L3/LE; the TSS debug-trap bit (T, #DB with DR6.BT after the switch) is not modelled.
 */
import {
  Cr0, Exc, Rflags, Seg, SegAttr, SysSeg, SysDescType, descAttr, descBase, descLimit,
} from '@x86kit/core';
import type { Cpu } from './cpu.js';
import { refreshAccessChecks } from './access-checks.js';
import { loadSegmentForTask, loadSegRealOrV86, readDescriptorInto } from './system.js';

/** What started the task switch. */
export const TaskSource = { Jmp: 0, Call: 1, Iret: 2, Int: 3 } as const;
export type TaskSource = (typeof TaskSource)[keyof typeof TaskSource];

const desc = new Int32Array(2);
const regs = new Int32Array(8);
const sels = new Uint16Array(6);

function rd32(c: Cpu, lin: number): number { c.implicitSupervisor = true; const v = c.rdLin32(lin); c.implicitSupervisor = false; return v; }
function rd16(c: Cpu, lin: number): number { c.implicitSupervisor = true; const v = c.rdLin16(lin); c.implicitSupervisor = false; return v; }
function wr32(c: Cpu, lin: number, v: number): void { c.implicitSupervisor = true; c.wrLin32(lin, v); c.implicitSupervisor = false; }
function wr16(c: Cpu, lin: number, v: number): void { c.implicitSupervisor = true; c.wrLin16(lin, v); c.implicitSupervisor = false; }

/**
 * Switch to the task whose TSS selector is `sel`. `nextEip` is the EIP saved in the old TSS;
 * `errorCode` (≥ 0) is pushed on the new task's stack (exceptions through a task gate).
 * Faults are recorded on `c` (#TS/#NP/#GP with selector error codes).
 */
export function taskSwitch(c: Cpu, sel: number, source: TaskSource, nextEip: number, errorCode: number): void {
  const st = c.state;
  if ((sel & 4) !== 0) { c.raise(source === TaskSource.Iret ? Exc.TS : Exc.GP, sel & 0xfffc); return; }
  if (!readDescriptorInto(c, sel, desc, source === TaskSource.Iret ? Exc.TS : Exc.GP)) return;
  const attr = descAttr(desc[1]);
  const type = attr & 0x1f;
  const busyWanted = source === TaskSource.Iret;
  const is32 = (type & 8) !== 0;
  const okType = busyWanted
    ? type === SysDescType.TSS16_BUSY || type === SysDescType.TSS32_BUSY
    : type === SysDescType.TSS16_AVAIL || type === SysDescType.TSS32_AVAIL;
  if (!okType) { c.raise(source === TaskSource.Iret ? Exc.TS : Exc.GP, sel & 0xfffc); return; }
  if ((attr & SegAttr.P) === 0) { c.raise(Exc.NP, sel & 0xfffc); return; }
  const newBase = descBase(desc[0], desc[1]);
  const newLimit = descLimit(desc[0], desc[1]);
  if (newLimit < (is32 ? 0x67 : 0x2b)) { c.raise(Exc.TS, sel & 0xfffc); return; }

  // ---- save the outgoing task ----
  const oldSel = st.segSel[SysSeg.TR];
  const oldBase = st.segBase[2 * SysSeg.TR];
  const old32 = (st.segAttr[SysSeg.TR] & 8) !== 0;
  let flags = c.getFlags();
  if (source === TaskSource.Iret) flags &= ~Rflags.NT;
  if (old32) {
    wr32(c, oldBase + 0x20, nextEip);
    wr32(c, oldBase + 0x24, flags);
    for (let r = 0; r < 8; r++) wr32(c, oldBase + 0x28 + 4 * r, c.r[2 * r]);
    for (let s = 0; s < 6; s++) wr16(c, oldBase + 0x48 + 4 * s, st.segSel[s]);
  } else {
    wr16(c, oldBase + 0x0e, nextEip);
    wr16(c, oldBase + 0x10, flags);
    for (let r = 0; r < 8; r++) wr16(c, oldBase + 0x12 + 2 * r, c.r[2 * r]);
    for (let s = 0; s < 4; s++) wr16(c, oldBase + 0x22 + 2 * s, st.segSel[s]);
  }
  if (c.fault) return;
  // busy bits: the old task stays busy for CALL/INT (nested), is released for JMP/IRET
  if (source === TaskSource.Jmp || source === TaskSource.Iret) setBusy(c, oldSel, false);
  if (source !== TaskSource.Iret) setBusy(c, sel, true);

  // ---- read the incoming task ----
  let eip: number, nf: number, ldt: number, cr3 = -1;
  if (is32) {
    cr3 = rd32(c, newBase + 0x1c);
    eip = rd32(c, newBase + 0x20) >>> 0;
    nf = rd32(c, newBase + 0x24);
    for (let r = 0; r < 8; r++) regs[r] = rd32(c, newBase + 0x28 + 4 * r);
    for (let s = 0; s < 6; s++) sels[s] = rd16(c, newBase + 0x48 + 4 * s);
    ldt = rd16(c, newBase + 0x60);
  } else {
    eip = rd16(c, newBase + 0x0e);
    nf = rd16(c, newBase + 0x10);
    for (let r = 0; r < 8; r++) regs[r] = (c.r[2 * r] & ~0xffff) | rd16(c, newBase + 0x12 + 2 * r);
    for (let s = 0; s < 4; s++) sels[s] = rd16(c, newBase + 0x22 + 2 * s);
    sels[4] = 0; sels[5] = 0;
    ldt = rd16(c, newBase + 0x2a);
  }
  if (c.fault) return;
  if (source === TaskSource.Call || source === TaskSource.Int) {
    wr16(c, newBase, oldSel);
    nf |= Rflags.NT;
  }

  // ---- commit: TR, CR3, registers, flags (from here on faults happen in the new task) ----
  st.segSel[SysSeg.TR] = sel;
  st.segBase[2 * SysSeg.TR] = newBase | 0;
  st.segLimit[SysSeg.TR] = newLimit;
  st.segAttr[SysSeg.TR] = (attr & ~0xf) | (is32 ? SysDescType.TSS32_BUSY : SysDescType.TSS16_BUSY);
  if (source === TaskSource.Iret) st.segAttr[SysSeg.TR] = attr;
  if (is32 && (st.cr0 & Cr0.PG) !== 0) {
    st.cr3[0] = cr3; st.cr3[1] = 0;
    c.syncPaging(true);
  }
  // DR7.L0–L3 (and LE) are cleared on every task switch (Intel SDM Vol. 3B 18.2.4; Bochs clears 0x155)
  if ((st.dr[14] & 0x155) !== 0) { st.dr[14] &= ~0x155; refreshAccessChecks(c); }
  for (let r = 0; r < 8; r++) c.r[2 * r] = regs[r];
  c.setFlags(is32 ? nf : (c.flags & ~0xffff) | (nf & 0xffff));
  st.cr0 |= Cr0.TS;
  c.eip = eip;
  // selectors first (so a fault sees them), then descriptors with #TS checks
  for (let s = 0; s < 6; s++) st.segSel[s] = sels[s];
  st.segSel[SysSeg.LDTR] = ldt;
  if ((ldt & 0xfffc) !== 0) {
    if ((ldt & 4) !== 0 || !readDescriptorInto(c, ldt, desc, Exc.TS)) { if (!c.fault) c.raise(Exc.TS, ldt & 0xfffc); return; }
    const la = descAttr(desc[1]);
    if ((la & 0x1f) !== SysDescType.LDT) { c.raise(Exc.TS, ldt & 0xfffc); return; }
    if ((la & SegAttr.P) === 0) { c.raise(Exc.TS, ldt & 0xfffc); return; }
    st.segBase[2 * SysSeg.LDTR] = descBase(desc[0], desc[1]) | 0;
    st.segLimit[SysSeg.LDTR] = descLimit(desc[0], desc[1]);
    st.segAttr[SysSeg.LDTR] = la;
  } else {
    st.segAttr[SysSeg.LDTR] = 0;
  }
  if ((nf & Rflags.VM) !== 0 && is32) {
    // V86 task (SDM Vol. 3A 7.3 step 12, 20.2.1): every segment gets the V86 limit/attributes
    for (let s = 0; s < 6; s++) loadSegRealOrV86(c, s, sels[s], true);
  } else {
    if (!loadSegmentForTask(c, Seg.CS, sels[Seg.CS])) return;
    if (!loadSegmentForTask(c, Seg.SS, sels[Seg.SS])) return;
    for (const s of [Seg.ES, Seg.DS, Seg.FS, Seg.GS]) if (!loadSegmentForTask(c, s, sels[s])) return;
  }
  if (errorCode >= 0) {
    c.push(is32 ? 4 : 2, errorCode);
    if (c.fault) return;
  }
  if (c.eip > st.segLimit[Seg.CS]) c.gp(0);
}

function setBusy(c: Cpu, sel: number, busy: boolean): void {
  const st = c.state;
  const addr = st.gdtrBase[0] + (sel & 0xfff8) + 4;
  const hi = rd32(c, addr);
  wr32(c, addr, busy ? hi | 0x200 : hi & ~0x200);
}
