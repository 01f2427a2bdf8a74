/**
 * System semantics: segment-register loads, far transfers (JMP/CALL/RET/IRET through code
 * segments and call gates), event delivery through the protected-mode IDT, descriptor-table
 * instructions, control/debug registers, I/O permission, SYSENTER/SYSEXIT and legacy
 * SYSCALL/SYSRET. References: Intel SDM Vol. 3A ch. 3, 5, 6, 7, 20 and the Vol. 2 pages of
 * each instruction.
 *
 * Task switches live in `task.ts`. Not modelled yet: the CR4.VME/PVI virtual-interrupt extensions.
 */
import {
  Cr0, Cr4, Exc, Rflags, Seg, SegAttr, SysSeg, Msr, descBase, descLimit, descAttr, attrDpl, attrIsCode,
  attrIsConforming, attrIsReadable, attrIsWritable, gateSelector, gateOffset, SysDescType, exceptionKind, ExcKind,
} from '@x86kit/core';
import type { Cpu } from './cpu.js';
import { InsnClass, ExitKind } from './constants.js';
import { taskSwitch, TaskSource } from './task.js';
import { AccessCheck, checkAlignWhole, ioBreakpoint, refreshAccessChecks } from './access-checks.js';

/** How an event entered delivery; decides error-code EXT and gate-DPL checks. */
export const EventType = { Exception: 0, External: 1, Software: 2, Int3: 3, Icebp: 4 } as const;
export type EventKind = (typeof EventType)[keyof typeof EventType];

// scratch for descriptor reads (no allocation)
let dLo = 0;
let dHi = 0;

/**
 * Read the descriptor named by `sel` into dLo/dHi. Returns false after raising
 * `#GP(sel)` (or `vector(sel)`) when the selector is outside its table.
 */
function readDescriptor(c: Cpu, sel: number, vector: number): boolean {
  const st = c.state;
  const index = sel & 0xfff8;
  let base: number, limit: number;
  if ((sel & 4) !== 0) {
    if ((st.segAttr[SysSeg.LDTR] & SegAttr.P) === 0 || (st.segSel[SysSeg.LDTR] & 0xfffc) === 0) { c.raise(vector, sel & 0xfffc); return false; }
    base = st.segBase[2 * SysSeg.LDTR]; limit = st.segLimit[SysSeg.LDTR];
  } else {
    base = st.gdtrBase[0]; limit = st.gdtrLimit;
  }
  if (index + 7 > limit) { c.raise(vector, sel & 0xfffc); return false; }
  c.implicitSupervisor = true;
  dLo = c.rdLin32(base + index);
  dHi = c.rdLin32(base + index + 4);
  c.implicitSupervisor = false;
  return !c.fault;
}

/** Read the descriptor of `sel` into `out` ([lo, hi]); false after raising `vector(sel)`. */
export function readDescriptorInto(c: Cpu, sel: number, out: Int32Array, vector: number): boolean {
  if (!readDescriptor(c, sel, vector)) return false;
  out[0] = dLo; out[1] = dHi;
  return true;
}

/**
 * Load a segment register from a new task's TSS (Intel SDM Vol. 3A, 7.3 step 12): like a MOV
 * but faults are #TS(selector), CS must be code whose DPL matches its RPL (the new CPL).
 */
export function loadSegmentForTask(c: Cpu, s: number, sel: number): boolean {
  const st = c.state;
  if (s === Seg.CS) {
    if ((sel & 0xfffc) === 0) { c.raise(Exc.TS, 0); return false; }
    if (!readDescriptor(c, sel, Exc.TS)) return false;
    const attr = descAttr(dHi);
    if (!attrIsCode(attr)) { c.raise(Exc.TS, sel & 0xfffc); return false; }
    const dpl = attrDpl(attr);
    if (attrIsConforming(attr) ? dpl > (sel & 3) : dpl !== (sel & 3)) { c.raise(Exc.TS, sel & 0xfffc); return false; }
    if ((attr & SegAttr.P) === 0) { c.raise(Exc.NP, sel & 0xfffc); return false; }
    setAccessed(c, sel);
    loadHidden(c, Seg.CS, sel, dLo, dHi);
    c.updateMode();
    return true;
  }
  if (s === Seg.SS) {
    if ((sel & 0xfffc) === 0) { c.raise(Exc.TS, 0); return false; }
    if (!readDescriptor(c, sel, Exc.TS)) return false;
    const attr = descAttr(dHi);
    if ((sel & 3) !== c.cpl || attrDpl(attr) !== c.cpl || !attrIsWritable(attr)) { c.raise(Exc.TS, sel & 0xfffc); return false; }
    if ((attr & SegAttr.P) === 0) { c.raise(Exc.SS, sel & 0xfffc); return false; }
    setAccessed(c, sel);
    loadHidden(c, Seg.SS, sel, dLo, dHi);
    c.updateMode();
    return true;
  }
  if ((sel & 0xfffc) === 0) { st.segSel[s] = sel; st.segAttr[s] = 0; st.segBase[2 * s] = 0; st.segLimit[s] = 0; c.refreshSeg(s); return true; }
  if (!readDescriptor(c, sel, Exc.TS)) return false;
  const attr = descAttr(dHi);
  if ((attr & SegAttr.S) === 0 || !attrIsReadable(attr) || (!attrIsConforming(attr) && Math.max(c.cpl, sel & 3) > attrDpl(attr))) {
    c.raise(Exc.TS, sel & 0xfffc);
    return false;
  }
  if ((attr & SegAttr.P) === 0) { c.raise(Exc.NP, sel & 0xfffc); return false; }
  setAccessed(c, sel);
  loadHidden(c, s, sel, dLo, dHi);
  c.refreshSeg(s);
  return true;
}

/** Set the accessed bit of the descriptor named by `sel` (dHi holds its high dword). */
function setAccessed(c: Cpu, sel: number): void {
  if ((dHi & 0x100) !== 0) return;
  const st = c.state;
  const base = (sel & 4) !== 0 ? st.segBase[2 * SysSeg.LDTR] : st.gdtrBase[0];
  dHi |= 0x100;
  c.implicitSupervisor = true;
  c.wrLin32(base + (sel & 0xfff8) + 4, dHi);
  c.implicitSupervisor = false;
}

function loadHidden(c: Cpu, s: number, sel: number, lo: number, hi: number): void {
  const st = c.state;
  st.segSel[s] = sel;
  st.segBase[2 * s] = descBase(lo, hi) | 0;
  st.segBase[2 * s + 1] = 0;
  st.segLimit[s] = descLimit(lo, hi);
  st.segAttr[s] = descAttr(hi);
}

/**
 * Load a segment register the real-mode / virtual-8086 way (base = selector × 16). In V86
 * mode (`v86`: the CPU's live EFLAGS.VM, or the VM bit an IRET/task switch is about to enter)
 * the hidden part becomes limit 0xFFFF, present, DPL 3, read/write data (CS: code) (Intel SDM
 * Vol. 3A 20.1.1 and 20.2.1). This must not be keyed on `CpuState.rflags`, which the CPU writes
 * back only when `run` returns: entering V86 in the middle of a run (IRET, task switch) and
 * then loading segments left the previous (ring-0 or null) limits in place.
 * In real mode the limit and attributes are kept (unreal mode).
 */
export function loadSegRealOrV86(c: Cpu, s: number, sel: number, v86: boolean): void {
  const st = c.state;
  sel &= 0xffff;
  st.segSel[s] = sel;
  st.segBase[2 * s] = sel << 4;
  st.segBase[2 * s + 1] = 0;
  if (v86) {
    st.segLimit[s] = 0xffff;
    st.segAttr[s] = SegAttr.P | SegAttr.S | SegAttr.WRITABLE | SegAttr.ACCESSED | (3 << SegAttr.DPL_SHIFT) |
      (s === Seg.CS ? SegAttr.CODE : 0);
  }
  if (s === Seg.SS || s === Seg.CS) c.updateMode(); else c.refreshSeg(s);
}

/**
 * MOV/POP/LxS into a data or stack segment register (Intel SDM Vol. 3A, 5.5–5.7; Vol. 2 MOV).
 * Real and V86 mode: base = selector × 16. Returns false after raising a fault.
 */
export function loadSegment(c: Cpu, s: number, sel: number): boolean {
  sel &= 0xffff;
  if (!c.pe || c.vm) { loadSegRealOrV86(c, s, sel, c.vm); return true; }
  const st = c.state;
  if ((sel & 0xfffc) === 0) {
    if (s === Seg.SS) { c.gp(0); return false; }
    st.segSel[s] = sel; st.segBase[2 * s] = 0; st.segBase[2 * s + 1] = 0; st.segLimit[s] = 0; st.segAttr[s] = 0;
    c.refreshSeg(s);
    return true;
  }
  if (!readDescriptor(c, sel, Exc.GP)) return false;
  const attr = descAttr(dHi);
  const dpl = attrDpl(attr), rpl = sel & 3, cpl = c.cpl;
  if (s === Seg.SS) {
    if (rpl !== cpl || dpl !== cpl || !attrIsWritable(attr)) { c.gp(sel & 0xfffc); return false; }
    if ((attr & SegAttr.P) === 0) { c.raise(Exc.SS, sel & 0xfffc); return false; }
  } else {
    if ((attr & SegAttr.S) === 0 || !attrIsReadable(attr)) { c.gp(sel & 0xfffc); return false; }
    if (!attrIsConforming(attr) && Math.max(cpl, rpl) > dpl) { c.gp(sel & 0xfffc); return false; }
    if ((attr & SegAttr.P) === 0) { c.raise(Exc.NP, sel & 0xfffc); return false; }
  }
  setAccessed(c, sel);
  loadHidden(c, s, sel, dLo, dHi);
  if (s === Seg.SS) c.updateMode(); else c.refreshSeg(s);
  return true;
}

/** Load CS from dLo/dHi with the given RPL (= new CPL) and jump. */
function loadCs(c: Cpu, sel: number, cpl: number, off: number): void {
  loadHidden(c, Seg.CS, (sel & 0xfffc) | cpl, dLo, dHi);
  c.updateMode();
  c.eip = off >>> 0;
}

/** Validate a code-segment target for JMP/CALL/RET; returns the new CPL or −1 after a fault. */
function checkCodeTarget(c: Cpu, sel: number, off: number): number {
  const attr = descAttr(dHi);
  const dpl = attrDpl(attr), rpl = sel & 3, cpl = c.cpl;
  if (attrIsConforming(attr)) { if (dpl > cpl) { c.gp(sel & 0xfffc); return -1; } }
  else if (rpl > cpl || dpl !== cpl) { c.gp(sel & 0xfffc); return -1; }
  if ((attr & SegAttr.P) === 0) { c.raise(Exc.NP, sel & 0xfffc); return -1; }
  if (off > descLimit(dLo, dHi)) { c.gp(0); return -1; }
  return cpl;
}

/** JMP ptr16:16/32 or m16:16/32 (Intel SDM Vol. 2A JMP). */
export function farJump(c: Cpu, sel: number, off: number, os: number): void {
  if (os === 2) off &= 0xffff;
  if (!c.pe || c.vm) {
    loadSegRealOrV86(c, Seg.CS, sel, c.vm);
    c.eip = off >>> 0;
    return;
  }
  if ((sel & 0xfffc) === 0) { c.gp(0); return; }
  if (!readDescriptor(c, sel, Exc.GP)) return;
  const attr = descAttr(dHi);
  if ((attr & SegAttr.S) !== 0) {
    if (!attrIsCode(attr)) { c.gp(sel & 0xfffc); return; }
    if (checkCodeTarget(c, sel, off) < 0) return;
    setAccessed(c, sel);
    loadCs(c, sel, c.cpl, off);
    return;
  }
  const type = attr & 0xf;
  if (type === SysDescType.CALL_GATE16 || type === SysDescType.CALL_GATE32) {
    const gdpl = attrDpl(attr);
    if (Math.max(c.cpl, sel & 3) > gdpl) { c.gp(sel & 0xfffc); return; }
    if ((attr & SegAttr.P) === 0) { c.raise(Exc.NP, sel & 0xfffc); return; }
    const tsel = gateSelector(dLo);
    let toff = gateOffset(dLo, dHi);
    if (type === SysDescType.CALL_GATE16) toff &= 0xffff;
    if ((tsel & 0xfffc) === 0) { c.gp(0); return; }
    if (!readDescriptor(c, tsel, Exc.GP)) return;
    const tattr = descAttr(dHi);
    if (!attrIsCode(tattr)) { c.gp(tsel & 0xfffc); return; }
    const tdpl = attrDpl(tattr);
    if (attrIsConforming(tattr) ? tdpl > c.cpl : tdpl !== c.cpl) { c.gp(tsel & 0xfffc); return; }
    if ((tattr & SegAttr.P) === 0) { c.raise(Exc.NP, tsel & 0xfffc); return; }
    if (toff > descLimit(dLo, dHi)) { c.gp(0); return; }
    setAccessed(c, tsel);
    loadCs(c, tsel, c.cpl, toff);
    return;
  }
  if (type === SysDescType.TASK_GATE || type === SysDescType.TSS16_AVAIL || type === SysDescType.TSS32_AVAIL) {
    taskTransfer(c, sel, attr, TaskSource.Jmp);
    return;
  }
  c.gp(sel & 0xfffc);
}

/** JMP/CALL to a TSS or task gate: privilege and presence checks, then the switch. */
function taskTransfer(c: Cpu, sel: number, attr: number, source: TaskSource): void {
  if (Math.max(c.cpl, sel & 3) > attrDpl(attr)) { c.gp(sel & 0xfffc); return; }
  if ((attr & SegAttr.P) === 0) { c.raise(Exc.NP, sel & 0xfffc); return; }
  c.counters.byClass[InsnClass.FarTransfer]++;
  const tss = (attr & 0xf) === SysDescType.TASK_GATE ? gateSelector(dLo) : sel;
  taskSwitch(c, tss, source, c.eip, -1);
}

/** Read the inner-level stack pointer for privilege `dpl` from the current TSS into tssSs/tssEsp. */
let tssSs = 0;
let tssEsp = 0;
function readTssStack(c: Cpu, dpl: number): boolean {
  const st = c.state;
  const type = st.segAttr[SysSeg.TR] & 0xf;
  const base = st.segBase[2 * SysSeg.TR];
  const limit = st.segLimit[SysSeg.TR];
  c.implicitSupervisor = true;
  if (type === SysDescType.TSS32_BUSY || type === SysDescType.TSS32_AVAIL) {
    const o = 4 + 8 * dpl;
    if (o + 5 > limit) { c.implicitSupervisor = false; c.raise(Exc.TS, st.segSel[SysSeg.TR] & 0xfffc); return false; }
    tssEsp = c.rdLin32(base + o);
    tssSs = c.rdLin16(base + o + 4);
  } else {
    const o = 2 + 4 * dpl;
    if (o + 3 > limit) { c.implicitSupervisor = false; c.raise(Exc.TS, st.segSel[SysSeg.TR] & 0xfffc); return false; }
    tssEsp = c.rdLin16(base + o);
    tssSs = c.rdLin16(base + o + 2);
  }
  c.implicitSupervisor = false;
  return !c.fault;
}

/** Validate the TSS stack selector for level `dpl` (#TS rules) and load SS from it. */
function loadInnerStack(c: Cpu, dpl: number, ext: number): boolean {
  const sel = tssSs;
  if ((sel & 0xfffc) === 0) { c.raise(Exc.TS, ext); return false; }
  if (!readDescriptor(c, sel, Exc.TS)) return false;
  const attr = descAttr(dHi);
  if ((sel & 3) !== dpl || attrDpl(attr) !== dpl || !attrIsWritable(attr)) { c.raise(Exc.TS, (sel & 0xfffc) | ext); return false; }
  if ((attr & SegAttr.P) === 0) { c.raise(Exc.SS, (sel & 0xfffc) | ext); return false; }
  setAccessed(c, sel);
  loadHidden(c, Seg.SS, sel, dLo, dHi);
  return true;
}

// Saved stack state to undo a half-done privilege change.
const savedSs = { sel: 0, base: 0, limit: 0, attr: 0, esp: 0 };
function saveSs(c: Cpu): void {
  const st = c.state;
  savedSs.sel = st.segSel[Seg.SS]; savedSs.base = st.segBase[2 * Seg.SS]; savedSs.limit = st.segLimit[Seg.SS];
  savedSs.attr = st.segAttr[Seg.SS]; savedSs.esp = c.r[8];
}
function restoreSs(c: Cpu): void {
  const st = c.state;
  st.segSel[Seg.SS] = savedSs.sel; st.segBase[2 * Seg.SS] = savedSs.base; st.segLimit[Seg.SS] = savedSs.limit;
  st.segAttr[Seg.SS] = savedSs.attr; c.r[8] = savedSs.esp;
  c.updateMode();
}

/** CALL ptr16:16/32 or m16:16/32 (Intel SDM Vol. 2A CALL; call gates: Vol. 3A 5.8.5). */
export function farCall(c: Cpu, sel: number, off: number, os: number): void {
  if (os === 2) off &= 0xffff;
  const st = c.state;
  if (!c.pe || c.vm) {
    const sp = c.getSp();
    const sp1 = c.spPlus(sp, -os), sp2 = c.spPlus(sp, -2 * os);
    if (!c.checkWrite(Seg.SS, sp1, os) || !c.checkWrite(Seg.SS, sp2, os)) return;
    c.wr(os, Seg.SS, sp1, st.segSel[Seg.CS]);
    c.wr(os, Seg.SS, sp2, c.eip);
    c.setSp(sp2);
    loadSegRealOrV86(c, Seg.CS, sel, c.vm);
    c.eip = off;
    return;
  }
  if ((sel & 0xfffc) === 0) { c.gp(0); return; }
  if (!readDescriptor(c, sel, Exc.GP)) return;
  const attr = descAttr(dHi);
  const retCs = st.segSel[Seg.CS], retEip = c.eip;
  if ((attr & SegAttr.S) !== 0) {
    if (!attrIsCode(attr)) { c.gp(sel & 0xfffc); return; }
    if (checkCodeTarget(c, sel, off) < 0) return;
    const sp = c.getSp();
    const sp1 = c.spPlus(sp, -os), sp2 = c.spPlus(sp, -2 * os);
    if (!c.checkWrite(Seg.SS, sp1, os) || !c.checkWrite(Seg.SS, sp2, os)) return;
    const lo = dLo, hi = dHi;
    setAccessed(c, sel);
    c.wr(os, Seg.SS, sp1, retCs);
    c.wr(os, Seg.SS, sp2, retEip);
    c.setSp(sp2);
    dLo = lo; dHi = hi | 0x100;
    loadCs(c, sel, c.cpl, off);
    return;
  }
  const type = attr & 0xf;
  if (type !== SysDescType.CALL_GATE16 && type !== SysDescType.CALL_GATE32) {
    if (type === SysDescType.TASK_GATE || type === SysDescType.TSS16_AVAIL || type === SysDescType.TSS32_AVAIL) { taskTransfer(c, sel, attr, TaskSource.Call); return; }
    c.gp(sel & 0xfffc);
    return;
  }
  const gdpl = attrDpl(attr);
  if (Math.max(c.cpl, sel & 3) > gdpl) { c.gp(sel & 0xfffc); return; }
  if ((attr & SegAttr.P) === 0) { c.raise(Exc.NP, sel & 0xfffc); return; }
  const gsize = type === SysDescType.CALL_GATE32 ? 4 : 2;
  const params = dHi & 0x1f;
  const tsel = gateSelector(dLo);
  let toff = gateOffset(dLo, dHi);
  if (gsize === 2) toff &= 0xffff;
  if ((tsel & 0xfffc) === 0) { c.gp(0); return; }
  if (!readDescriptor(c, tsel, Exc.GP)) return;
  const tattr = descAttr(dHi);
  const tdpl = attrDpl(tattr);
  if (!attrIsCode(tattr) || tdpl > c.cpl) { c.gp(tsel & 0xfffc); return; }
  if ((tattr & SegAttr.P) === 0) { c.raise(Exc.NP, tsel & 0xfffc); return; }
  if (toff > descLimit(dLo, dHi)) { c.gp(0); return; }
  const tLo = dLo, tHi = dHi;
  if (!attrIsConforming(tattr) && tdpl < c.cpl) {
    // more privileged: switch to the inner stack from the TSS and copy parameters
    const oldSs = st.segSel[Seg.SS], oldEsp = c.getSp();
    const oldStack32 = c.stack32;
    if (!readTssStack(c, tdpl)) return;
    saveSs(c);
    const oldSsBase = st.segBase[2 * Seg.SS];
    if (!loadInnerStack(c, tdpl, 0)) { restoreSs(c); return; }
    c.r[8] = tssEsp | 0;
    c.stack32 = (st.segAttr[Seg.SS] & SegAttr.DB) !== 0;
    c.cpl = tdpl; // the inner stack is written with the new privilege (paging U/S checks)
    c.push(gsize, oldSs);
    c.push(gsize, oldEsp);
    for (let i = params - 1; i >= 0 && !c.fault; i--) {
      const a = oldStack32 ? (oldEsp + i * gsize) >>> 0 : (oldEsp + i * gsize) & 0xffff;
      c.implicitSupervisor = false;
      const v = gsize === 4 ? c.rdLin32(oldSsBase + a) : c.rdLin16(oldSsBase + a);
      if (!c.fault) c.push(gsize, v);
    }
    if (!c.fault) c.push(gsize, retCs);
    if (!c.fault) c.push(gsize, retEip);
    if (c.fault) { restoreSs(c); return; }
    dLo = tLo; dHi = tHi;
    setAccessed(c, tsel);
    loadCs(c, tsel, tdpl, toff);
    return;
  }
  const sp = c.getSp();
  const sp1 = c.spPlus(sp, -gsize), sp2 = c.spPlus(sp, -2 * gsize);
  if (!c.checkWrite(Seg.SS, sp1, gsize) || !c.checkWrite(Seg.SS, sp2, gsize)) return;
  c.wr(gsize, Seg.SS, sp1, retCs);
  c.wr(gsize, Seg.SS, sp2, retEip);
  c.setSp(sp2);
  dLo = tLo; dHi = tHi;
  setAccessed(c, tsel);
  loadCs(c, tsel, c.cpl, toff);
}

/** After a return to an outer level: data segments the new CPL may not use become null (SDM RET). */
function nullInaccessibleSegments(c: Cpu): void {
  const st = c.state;
  for (const s of OUTER_SEGS) {
    const attr = st.segAttr[s];
    if ((attr & SegAttr.P) === 0) continue;
    const dataOrNonConf = !attrIsCode(attr) || !attrIsConforming(attr);
    if (dataOrNonConf && attrDpl(attr) < c.cpl) {
      st.segSel[s] = 0; st.segAttr[s] = 0; st.segBase[2 * s] = 0; st.segLimit[s] = 0;
      c.refreshSeg(s);
    }
  }
}
const OUTER_SEGS = [Seg.ES, Seg.DS, Seg.FS, Seg.GS] as const;

/** RETF [imm16] (Intel SDM Vol. 2B RET). */
export function farReturn(c: Cpu, os: number, imm: number): void {
  const sp = c.getSp();
  const off = c.rd(os, Seg.SS, sp);
  const sel = c.rd(os, Seg.SS, c.spPlus(sp, os)) & 0xffff;
  if (c.fault) return;
  if (!c.pe || c.vm) {
    loadSegRealOrV86(c, Seg.CS, sel, c.vm);
    c.eip = os === 2 ? off & 0xffff : off >>> 0;
    c.setSp(c.spPlus(sp, 2 * os + imm));
    return;
  }
  if ((sel & 0xfffc) === 0) { c.gp(0); return; }
  if (!readDescriptor(c, sel, Exc.GP)) return;
  const attr = descAttr(dHi);
  const rpl = sel & 3, dpl = attrDpl(attr);
  if (!attrIsCode(attr) || rpl < c.cpl || (attrIsConforming(attr) ? dpl > rpl : dpl !== rpl)) { c.gp(sel & 0xfffc); return; }
  if ((attr & SegAttr.P) === 0) { c.raise(Exc.NP, sel & 0xfffc); return; }
  const target = os === 2 ? off & 0xffff : off >>> 0;
  if (target > descLimit(dLo, dHi)) { c.gp(0); return; }
  const cLo = dLo, cHi = dHi;
  if (rpl === c.cpl) {
    setAccessed(c, sel);
    c.setSp(c.spPlus(sp, 2 * os + imm));
    dLo = cLo; dHi = cHi | 0x100;
    loadCs(c, sel, rpl, target);
    return;
  }
  // return to an outer level: pop SS:ESP too
  const spOuter = c.spPlus(sp, 2 * os + imm);
  const newEsp = c.rd(os, Seg.SS, spOuter);
  const newSs = c.rd(os, Seg.SS, c.spPlus(spOuter, os)) & 0xffff;
  if (c.fault) return;
  if ((newSs & 0xfffc) === 0) { c.gp(0); return; }
  if (!readDescriptor(c, newSs, Exc.GP)) return;
  const sattr = descAttr(dHi);
  if ((newSs & 3) !== rpl || attrDpl(sattr) !== rpl || !attrIsWritable(sattr)) { c.gp(newSs & 0xfffc); return; }
  if ((sattr & SegAttr.P) === 0) { c.raise(Exc.SS, newSs & 0xfffc); return; }
  const sLo = dLo, sHi = dHi;
  setAccessed(c, newSs);
  loadHidden(c, Seg.SS, newSs, sLo, sHi | 0x100);
  dLo = cLo; dHi = cHi;
  setAccessed(c, sel);
  loadCs(c, sel, rpl, target);
  c.setSp(c.spPlus(os === 2 ? newEsp & 0xffff : newEsp, imm));
  nullInaccessibleSegments(c);
}

/** IRET/IRETD (Intel SDM Vol. 2A IRET), real, V86 (IOPL = 3) and protected mode without task returns. */
export function iret(c: Cpu, os: number): void {
  const st = c.state;
  c.nmiBlocked = false; // any IRET ends NMI blocking (even one that faults later; SDM 6.7.1)
  const sp = c.getSp();
  if (c.vm && ((c.flags >>> 12) & 3) !== 3) { c.gp(0); return; }
  const eip = c.rd(os, Seg.SS, sp);
  const cs = c.rd(os, Seg.SS, c.spPlus(sp, os)) & 0xffff;
  const fl = c.rd(os, Seg.SS, c.spPlus(sp, 2 * os));
  if (c.fault) return;
  const old = c.getFlags();
  if (!c.pe || c.vm) {
    let mask = os === 2 ? 0xffff : 0x3f7fd7 & ~(Rflags.VM | Rflags.VIP | Rflags.VIF);
    if (c.vm) mask &= ~Rflags.IOPL;
    const target = os === 2 ? eip & 0xffff : eip >>> 0;
    if (target > st.segLimit[Seg.CS] && c.pe) { c.gp(0); return; }
    loadSegRealOrV86(c, Seg.CS, cs, c.vm);
    c.eip = target;
    c.setSp(c.spPlus(sp, 3 * os));
    c.setFlags((old & ~mask) | (fl & mask));
    return;
  }
  if ((old & Rflags.NT) !== 0) { // return to the back-link task
    c.implicitSupervisor = true;
    const link = c.rdLin16(st.segBase[2 * SysSeg.TR]);
    c.implicitSupervisor = false;
    if (c.fault) return;
    taskSwitch(c, link, TaskSource.Iret, c.eip, -1);
    return;
  }
  if (os === 4 && (fl & Rflags.VM) !== 0 && c.cpl === 0) {
    // return to virtual-8086 mode (Intel SDM Vol. 3A, 20.3.3)
    const esp = c.rd32(Seg.SS, c.spPlus(sp, 12));
    const ss = c.rd32(Seg.SS, c.spPlus(sp, 16));
    const es = c.rd32(Seg.SS, c.spPlus(sp, 20));
    const ds = c.rd32(Seg.SS, c.spPlus(sp, 24));
    const fs = c.rd32(Seg.SS, c.spPlus(sp, 28));
    const gs = c.rd32(Seg.SS, c.spPlus(sp, 32));
    if (c.fault) return;
    c.setFlags(fl & 0x3f7fd7);
    loadSegRealOrV86(c, Seg.ES, es, true); loadSegRealOrV86(c, Seg.DS, ds, true);
    loadSegRealOrV86(c, Seg.FS, fs, true); loadSegRealOrV86(c, Seg.GS, gs, true);
    loadSegRealOrV86(c, Seg.SS, ss, true); loadSegRealOrV86(c, Seg.CS, cs, true);
    c.r[8] = esp | 0;
    c.eip = eip & 0xffff;
    return;
  }
  if ((cs & 0xfffc) === 0) { c.gp(0); return; }
  if (!readDescriptor(c, cs, Exc.GP)) return;
  const attr = descAttr(dHi);
  const rpl = cs & 3, dpl = attrDpl(attr);
  if (!attrIsCode(attr) || rpl < c.cpl || (attrIsConforming(attr) ? dpl > rpl : dpl !== rpl)) { c.gp(cs & 0xfffc); return; }
  if ((attr & SegAttr.P) === 0) { c.raise(Exc.NP, cs & 0xfffc); return; }
  const target = os === 2 ? eip & 0xffff : eip >>> 0;
  if (target > descLimit(dLo, dHi)) { c.gp(0); return; }
  const cLo = dLo, cHi = dHi;
  const cpl = c.cpl, iopl = (old >>> 12) & 3;
  let mask = Rflags.CF | Rflags.PF | Rflags.AF | Rflags.ZF | Rflags.SF | Rflags.TF | Rflags.DF | Rflags.OF | Rflags.NT;
  if (os === 4) mask |= Rflags.RF | Rflags.AC | Rflags.ID;
  if (cpl <= iopl) mask |= Rflags.IF;
  if (cpl === 0) { mask |= Rflags.IOPL; if (os === 4) mask |= Rflags.VIP | Rflags.VIF; }
  const newFlags = (old & ~mask) | (fl & mask);
  if (rpl === cpl) {
    setAccessed(c, cs);
    dLo = cLo; dHi = cHi | 0x100;
    c.setSp(c.spPlus(sp, 3 * os));
    loadCs(c, cs, rpl, target);
    c.setFlags(newFlags);
    return;
  }
  const newEsp = c.rd(os, Seg.SS, c.spPlus(sp, 3 * os));
  const newSs = c.rd(os, Seg.SS, c.spPlus(sp, 4 * os)) & 0xffff;
  if (c.fault) return;
  if ((newSs & 0xfffc) === 0) { c.gp(0); return; }
  if (!readDescriptor(c, newSs, Exc.GP)) return;
  const sattr = descAttr(dHi);
  if ((newSs & 3) !== rpl || attrDpl(sattr) !== rpl || !attrIsWritable(sattr)) { c.gp(newSs & 0xfffc); return; }
  if ((sattr & SegAttr.P) === 0) { c.raise(Exc.SS, newSs & 0xfffc); return; }
  const sLo = dLo, sHi = dHi;
  setAccessed(c, newSs);
  loadHidden(c, Seg.SS, newSs, sLo, sHi | 0x100);
  dLo = cLo; dHi = cHi;
  setAccessed(c, cs);
  loadCs(c, cs, rpl, target);
  c.setFlags(newFlags);
  c.r[8] = os === 2 ? (c.r[8] & ~0xffff) | (newEsp & 0xffff) : newEsp | 0;
  c.updateMode();
  nullInaccessibleSegments(c);
}

/**
 * INT n / INT3 / INTO / INT1 executed by the program. Faults during delivery become faults
 * of the instruction (EIP rewound to it), as on hardware.
 */
export function softwareInterrupt(c: Cpu, vector: number, type: EventKind): void {
  if (type !== EventType.Software && (c.interceptExceptions & (1 << vector)) !== 0) {
    // INT3 / INTO / INT1 raise #BP / #OF / #DB: exception intercepts apply (trap: info2 = next EIP)
    const e = c.exit;
    e.kind = ExitKind.Exception; e.code = vector; e.info1 = -1; e.info2 = c.eip; e.opcode = c.opcode;
    c.pendingExit = true;
    return;
  }
  c.counters.softwareInterrupts++;
  if (c.vm && type === EventType.Software && ((c.flags >>> 12) & 3) !== 3) { c.gp(0); return; }
  if (c.pe) deliverProtected(c, vector, -1, type, c.eip);
  else c.deliverRealMode(vector, c.eip);
}

/**
 * Deliver an interrupt or exception through the protected-mode IDT (Intel SDM Vol. 3A, 6.12,
 * and 20.3.1 for V86 mode). Raises a fault (recorded on `c`) when delivery itself fails.
 */
export function deliverProtected(c: Cpu, vector: number, code: number, type: EventKind, returnEip: number): void {
  const st = c.state;
  const ext = type === EventType.External || type === EventType.Exception ? 1 : 0;
  const idtErr = (vector << 3) | 2 | ext;
  if (vector * 8 + 7 > st.idtrLimit) { c.gp(idtErr); return; }
  c.implicitSupervisor = true;
  const lo = c.rdLin32(st.idtrBase[0] + vector * 8);
  const hi = c.rdLin32(st.idtrBase[0] + vector * 8 + 4);
  c.implicitSupervisor = false;
  if (c.fault) return;
  const gtype = (hi >>> 8) & 0x1f;
  if (gtype !== 0x05 && gtype !== 0x06 && gtype !== 0x07 && gtype !== 0x0e && gtype !== 0x0f) { c.gp(idtErr); return; }
  const gdpl = (hi >>> 13) & 3;
  if ((type === EventType.Software || type === EventType.Int3) && c.cpl > gdpl) { c.gp(idtErr); return; }
  if ((hi & 0x8000) === 0) { c.raise(Exc.NP, idtErr); return; }
  if (gtype === 0x05) { // task gate
    taskSwitch(c, gateSelector(lo), TaskSource.Int, returnEip, code);
    return;
  }
  const gsize = (gtype & 8) !== 0 ? 4 : 2;
  const trap = (gtype & 1) !== 0;
  const tsel = gateSelector(lo);
  let toff = gateOffset(lo, hi);
  if (gsize === 2) toff &= 0xffff;
  if ((tsel & 0xfffc) === 0) { c.gp(ext); return; }
  if (!readDescriptor(c, tsel, Exc.GP)) { c.excCode |= ext; return; }
  const tattr = descAttr(dHi);
  const tdpl = attrDpl(tattr);
  if (!attrIsCode(tattr) || tdpl > c.cpl) { c.gp((tsel & 0xfffc) | ext); return; }
  if ((tattr & SegAttr.P) === 0) { c.raise(Exc.NP, (tsel & 0xfffc) | ext); return; }
  if (toff > descLimit(dLo, dHi)) { c.gp(ext); return; }
  const tLo = dLo, tHi = dHi;
  const oldFlags = c.getFlags();
  const oldCs = st.segSel[Seg.CS];
  const fromVm = c.vm;
  let newCpl = c.cpl;
  saveSs(c);
  if (!attrIsConforming(tattr) && tdpl < c.cpl) {
    if (fromVm && tdpl !== 0) { c.gp((tsel & 0xfffc) | ext); return; }
    const oldSs = st.segSel[Seg.SS], oldEsp = c.getSp();
    if (!readTssStack(c, tdpl)) return;
    if (!loadInnerStack(c, tdpl, ext)) { restoreSs(c); return; }
    c.r[8] = tssEsp | 0;
    c.stack32 = (st.segAttr[Seg.SS] & SegAttr.DB) !== 0;
    c.vm = false; // pushes below use protected-mode rules and the new privilege
    c.pe = true;
    c.cpl = tdpl;
    c.refreshSeg(Seg.SS);
    if (fromVm) {
      c.push(gsize, st.segSel[Seg.GS]);
      c.push(gsize, st.segSel[Seg.FS]);
      c.push(gsize, st.segSel[Seg.DS]);
      c.push(gsize, st.segSel[Seg.ES]);
    }
    c.push(gsize, oldSs);
    c.push(gsize, oldEsp);
    newCpl = tdpl;
  } else if (fromVm) {
    c.gp((tsel & 0xfffc) | ext);
    return;
  } else if (!attrIsConforming(tattr) && tdpl !== c.cpl) {
    c.gp((tsel & 0xfffc) | ext);
    return;
  }
  // faults push EFLAGS with RF = 1 (Intel SDM Vol. 3A, 18.3.1.1), so IRET does not re-trigger an instruction breakpoint
  const image = type === EventType.Exception && exceptionKind(vector) === ExcKind.Fault && vector !== Exc.DB ? oldFlags | Rflags.RF : oldFlags;
  c.push(gsize, gsize === 2 ? image & 0xffff : image);
  c.push(gsize, oldCs);
  c.push(gsize, returnEip);
  if (code >= 0) c.push(gsize, code);
  if (c.fault) { c.flags = oldFlags; restoreSs(c); return; }
  if (fromVm) {
    for (const s of OUTER_SEGS) { st.segSel[s] = 0; st.segAttr[s] = 0; st.segBase[2 * s] = 0; st.segLimit[s] = 0; }
  }
  dLo = tLo; dHi = tHi;
  setAccessed(c, tsel);
  let nf = oldFlags & ~(Rflags.TF | Rflags.NT | Rflags.RF | Rflags.VM);
  if (!trap) nf &= ~Rflags.IF;
  c.flags = nf;
  c.lazyMask = 0;
  loadCs(c, tsel, attrIsConforming(tattr) ? c.cpl : newCpl, toff);
}

// ---------------------------------------------------------------------------------------
// 0F 00 / 0F 01 groups, LAR/LSL
// ---------------------------------------------------------------------------------------

function loadSystemSegment(c: Cpu, slot: number, sel: number): void {
  const st = c.state;
  if ((sel & 0xfffc) === 0) {
    if (slot === SysSeg.TR) { c.gp(0); return; }
    st.segSel[slot] = sel; st.segAttr[slot] = 0; st.segBase[2 * slot] = 0; st.segLimit[slot] = 0;
    return;
  }
  if ((sel & 4) !== 0) { c.gp(sel & 0xfffc); return; }
  if (!readDescriptor(c, sel, Exc.GP)) return;
  const attr = descAttr(dHi);
  const type = attr & 0x1f;
  if (slot === SysSeg.LDTR ? type !== SysDescType.LDT : type !== SysDescType.TSS16_AVAIL && type !== SysDescType.TSS32_AVAIL) {
    c.gp(sel & 0xfffc);
    return;
  }
  if ((attr & SegAttr.P) === 0) { c.raise(Exc.NP, sel & 0xfffc); return; }
  if (slot === SysSeg.TR) {
    // mark busy
    dHi |= 0x200;
    c.implicitSupervisor = true;
    c.wrLin32(st.gdtrBase[0] + (sel & 0xfff8) + 4, dHi);
    c.implicitSupervisor = false;
  }
  loadHidden(c, slot, sel, dLo, dHi);
}

/** 0F 00: SLDT STR LLDT LTR VERR VERW (protected mode only). */
export function sysInsn0F00(c: Cpu): void {
  c.modrm();
  if (c.fault) return;
  if (!c.pe || c.vm) { c.ud(); return; }
  const st = c.state;
  switch (c.reg) {
    case 0: case 1: {
      const v = st.segSel[c.reg === 0 ? SysSeg.LDTR : SysSeg.TR];
      if (c.mod === 3) c.setReg(c.os, c.rm, v); else c.wr16(c.eaSeg, c.eaOff, v);
      return;
    }
    case 2: case 3: {
      c.counters.byClass[InsnClass.DescTable]++;
      if (c.cpl !== 0) { c.gp(0); return; }
      const sel = c.readRm(2);
      if (c.fault) return;
      if (c.interceptInsn(InsnClass.DescTable)) return;
      loadSystemSegment(c, c.reg === 2 ? SysSeg.LDTR : SysSeg.TR, sel);
      return;
    }
    case 4: case 5: {
      const sel = c.readRm(2);
      if (c.fault) return;
      let ok = false;
      if ((sel & 0xfffc) !== 0 && readDescriptorQuiet(c, sel)) {
        const attr = descAttr(dHi);
        if ((attr & SegAttr.S) !== 0) {
          const dpl = attrDpl(attr);
          const privOk = attrIsConforming(attr) || Math.max(c.cpl, sel & 3) <= dpl;
          ok = privOk && (c.reg === 4 ? attrIsReadable(attr) : attrIsWritable(attr));
        }
      }
      c.setFlagBits(Rflags.ZF, ok ? Rflags.ZF : 0);
      return;
    }
    default: c.ud();
  }
}

/** Descriptor read that reports failure without faulting (LAR/LSL/VERR/VERW). */
function readDescriptorQuiet(c: Cpu, sel: number): boolean {
  const st = c.state;
  const index = sel & 0xfff8;
  let base: number, limit: number;
  if ((sel & 4) !== 0) {
    if ((st.segAttr[SysSeg.LDTR] & SegAttr.P) === 0) return false;
    base = st.segBase[2 * SysSeg.LDTR]; limit = st.segLimit[SysSeg.LDTR];
  } else { base = st.gdtrBase[0]; limit = st.gdtrLimit; }
  if (index + 7 > limit) return false;
  c.implicitSupervisor = true;
  dLo = c.rdLin32(base + index);
  dHi = c.rdLin32(base + index + 4);
  c.implicitSupervisor = false;
  return !c.fault;
}

/** LAR: valid for code/data and LDT/TSS/gate system types (Intel SDM Vol. 2A LAR). */
export function lar(c: Cpu): void { larLsl(c, true); }
/** LSL (Intel SDM Vol. 2A LSL). */
export function lsl(c: Cpu): void { larLsl(c, false); }
function larLsl(c: Cpu, isLar: boolean): void {
  c.modrm();
  if (c.fault) return;
  if (!c.pe || c.vm) { c.ud(); return; }
  const sel = c.readRm(2);
  if (c.fault) return;
  let ok = false;
  if ((sel & 0xfffc) !== 0 && readDescriptorQuiet(c, sel)) {
    const attr = descAttr(dHi);
    const type = attr & 0xf;
    if ((attr & SegAttr.S) !== 0) ok = attrIsConforming(attr) || Math.max(c.cpl, sel & 3) <= attrDpl(attr);
    else {
      const validLar = type === 1 || type === 2 || type === 3 || type === 4 || type === 5 || type === 9 || type === 0xb || type === 0xc;
      const validLsl = type === 1 || type === 2 || type === 3 || type === 9 || type === 0xb;
      ok = (isLar ? validLar : validLsl) && Math.max(c.cpl, sel & 3) <= attrDpl(attr);
    }
  }
  if (c.fault) return;
  if (ok) {
    if (isLar) c.setReg(c.os, c.reg, dHi & (c.os === 4 ? 0x00f0ff00 : 0xff00));
    else c.setReg(c.os, c.reg, descLimit(dLo, dHi));
  }
  c.setFlagBits(Rflags.ZF, ok ? Rflags.ZF : 0);
}

/** 0F 01: SGDT SIDT LGDT LIDT SMSW LMSW INVLPG. */
export function sysInsn0F01(c: Cpu): void {
  c.modrm();
  if (c.fault) return;
  const st = c.state;
  if (c.mod === 3 && c.reg !== 4 && c.reg !== 6) { c.unimplemented(); return; } // MONITOR/VMX/SWAPGS... forms
  switch (c.reg) {
    case 0: case 1: { // SGDT/SIDT
      c.counters.byClass[InsnClass.DescTable]++;
      if (c.interceptInsn(InsnClass.DescTable)) return;
      const base = c.reg === 0 ? st.gdtrBase[0] : st.idtrBase[0];
      const limit = c.reg === 0 ? st.gdtrLimit : st.idtrLimit;
      if (!checkAlignWhole(c, c.eaSeg, c.eaOff, 6)) return; // #AC: the 6-byte image needs 4 (SDM Vol. 3A table 6-7)
      if (!c.checkWrite(c.eaSeg, c.eaOff, 2) || !c.checkWrite(c.eaSeg, c.eaPlus(2), 4)) return;
      c.wr16(c.eaSeg, c.eaOff, limit);
      // 16-bit operand size stores 24 bits of base and a zero high byte (386+ behaviour)
      c.wr32(c.eaSeg, c.eaPlus(2), c.os === 2 ? base & 0xffffff : base);
      return;
    }
    case 2: case 3: { // LGDT/LIDT
      c.counters.byClass[InsnClass.DescTable]++;
      if (c.pe && c.cpl !== 0 || c.vm) { c.gp(0); return; }
      const limit = c.rd16(c.eaSeg, c.eaOff);
      let base = c.rd32(c.eaSeg, c.eaPlus(2));
      if (c.fault) return;
      if (c.interceptInsn(InsnClass.DescTable)) return;
      if (c.os === 2) base &= 0xffffff;
      if (c.reg === 2) { st.gdtrBase[0] = base | 0; st.gdtrLimit = limit; } else { st.idtrBase[0] = base | 0; st.idtrLimit = limit; }
      return;
    }
    case 4: { // SMSW
      const v = st.cr0 & 0xffff;
      if (c.mod === 3) c.setReg(c.os, c.rm, c.os === 4 ? st.cr0 : v); else c.wr16(c.eaSeg, c.eaOff, v);
      return;
    }
    case 6: { // LMSW: can set PE but not clear it; affects PE MP EM TS only
      c.counters.byClass[InsnClass.Lmsw]++;
      if (c.pe && c.cpl !== 0 || c.vm) { c.gp(0); return; }
      const v = c.readRm(2);
      if (c.fault) return;
      if (c.interceptInsn(InsnClass.Lmsw)) return;
      const cr0 = (st.cr0 & ~0xe) | (v & 0xe) | (st.cr0 & 1) | (v & 1);
      st.cr0 = cr0;
      c.updateMode();
      return;
    }
    case 7: { // INVLPG
      c.counters.byClass[InsnClass.Invlpg]++;
      if (c.pe && c.cpl !== 0 || c.vm) { c.gp(0); return; }
      if (c.interceptInsn(InsnClass.Invlpg)) return;
      const lin = (st.segBase[2 * c.eaSeg] + c.eaOff) | 0;
      c.flushTlbPage(lin);
      c.mmu.invlpg(lin >>> 0, 0);
      return;
    }
    default: c.ud();
  }
}

// ---------------------------------------------------------------------------------------
// Control and debug registers
// ---------------------------------------------------------------------------------------

function crAccessCheck(c: Cpu, isCr: boolean): boolean {
  c.modrm(); // the mod field is ignored: always a register operand
  if (c.fault) return false;
  // #UD for a nonexistent CRn (or DR4/DR5 with CR4.DE) takes priority over #GP for CPL > 0
  if (isCr ? c.reg === 1 || c.reg > 4 : (c.reg === 4 || c.reg === 5) && (c.state.cr4 & Cr4.DE) !== 0) { c.ud(); return false; }
  if (c.pe && c.cpl !== 0 || c.vm) { c.gp(0); return false; }
  return true;
}

/** MOV r32, CRn. */
export function movFromCr(c: Cpu): void {
  c.counters.byClass[InsnClass.MovCr]++;
  if (!crAccessCheck(c, true)) return;
  const st = c.state;
  let v: number;
  switch (c.reg) {
    case 0: v = st.cr0; break;
    case 2: v = st.cr2[0]; break;
    case 3: v = st.cr3[0]; break;
    case 4: v = st.cr4; break;
    default: c.ud(); return;
  }
  if (c.interceptInsn(InsnClass.MovCr)) return;
  c.r[2 * c.rm] = v | 0;
}

/**
 * CR4 bits this CPU implements: OSFXSR with FXSAVE/FXRSTOR (fxsave.ts); VME/PVI and OSXMMEXCPT
 * (no SSE) are not: setting them raises #GP(0).
 */
const CR4_SUPPORTED = Cr4.TSD | Cr4.DE | Cr4.PSE | Cr4.PAE | Cr4.MCE | Cr4.PGE | Cr4.PCE | Cr4.OSFXSR;

/** MOV CRn, r32 (Intel SDM Vol. 2B MOV—Move to/from Control Registers). */
export function movToCr(c: Cpu): void {
  c.counters.byClass[InsnClass.MovCr]++;
  if (!crAccessCheck(c, true)) return;
  const st = c.state;
  const v = c.r[2 * c.rm];
  switch (c.reg) {
    case 0: {
      if ((v & Cr0.PG) !== 0 && (v & Cr0.PE) === 0) { c.gp(0); return; }
      if ((v & Cr0.NW) !== 0 && (v & Cr0.CD) === 0) { c.gp(0); return; }
      if (c.interceptInsn(InsnClass.MovCr)) return;
      const old = st.cr0;
      st.cr0 = (v & ~0x1ffaffc0) | Cr0.ET; // ET is hard-wired to 1 on i486+
      c.updateMode();
      if (((old ^ st.cr0) & (Cr0.PG | Cr0.WP | Cr0.PE | Cr0.CD | Cr0.NW)) !== 0 && !c.syncPaging(false)) { st.cr0 = old; c.updateMode(); c.syncPaging(false); c.gp(0); }
      return;
    }
    case 2: if (c.interceptInsn(InsnClass.MovCr)) return; st.cr2[0] = v; return;
    case 3:
      if (c.interceptInsn(InsnClass.MovCr)) return;
      {
        const old = st.cr3[0];
        st.cr3[0] = v; st.cr3[1] = 0;
        if (!c.syncPaging(true)) { st.cr3[0] = old; c.syncPaging(true); c.gp(0); }
      }
      return;
    case 4: {
      if ((v & ~CR4_SUPPORTED) !== 0) { c.gp(0); return; }
      if (c.interceptInsn(InsnClass.MovCr)) return;
      const old = st.cr4;
      st.cr4 = v;
      if (!c.syncPaging(false)) { st.cr4 = old; c.syncPaging(false); c.gp(0); }
      if (((old ^ st.cr4) & Cr4.DE) !== 0) refreshAccessChecks(c); // I/O breakpoints need CR4.DE
      return;
    }
    default: c.ud();
  }
}

function drIndex(c: Cpu): number {
  let n = c.reg;
  if (n === 4 || n === 5) {
    if ((c.state.cr4 & Cr4.DE) !== 0) { c.ud(); return -1; }
    n += 2;
  }
  return n;
}
/** DR7.GD: any MOV DRn faults with #DB and DR6.BD (Intel SDM Vol. 3B, 18.2.4). */
function generalDetect(c: Cpu): boolean {
  const dr = c.state.dr;
  if ((dr[14] & 0x2000) === 0) return false;
  dr[14] &= ~0x2000;
  dr[12] |= 0x2000;
  c.raise(Exc.DB, -1);
  return true;
}

/** MOV r32, DRn (DR0–3: execution, data and I/O breakpoints; see access-checks.ts). */
export function movFromDr(c: Cpu): void {
  c.counters.byClass[InsnClass.MovDr]++;
  if (!crAccessCheck(c, false) || generalDetect(c)) return;
  const n = drIndex(c);
  if (n < 0 || c.interceptInsn(InsnClass.MovDr)) return;
  c.r[2 * c.rm] = c.state.dr[2 * n];
}
/** MOV DRn, r32. */
export function movToDr(c: Cpu): void {
  c.counters.byClass[InsnClass.MovDr]++;
  if (!crAccessCheck(c, false) || generalDetect(c)) return;
  const n = drIndex(c);
  if (n < 0 || c.interceptInsn(InsnClass.MovDr)) return;
  let v = c.r[2 * c.rm];
  if (n === 6) v = (v & 0xe00f) | (0xffff0ff0 | 0);
  if (n === 7) v = (v & ~0xd800) | 0x400;
  c.state.dr[2 * n] = v;
  if (n === 7) refreshAccessChecks(c); // data/I-O breakpoints armed or disarmed
}

/** CLTS (CPL 0). */
export function clts(c: Cpu): void {
  if (c.pe && c.cpl !== 0 || c.vm) { c.gp(0); return; }
  c.state.cr0 &= ~Cr0.TS;
}

/**
 * IN/OUT/INS/OUTS permission (Intel SDM Vol. 1, 19.5): in protected mode with CPL > IOPL,
 * and always in V86 mode, every byte's bit in the TSS I/O permission bitmap must be 0.
 */
export function ioAllowed(c: Cpu, port: number, size: number): boolean {
  if ((c.checks.mode & AccessCheck.Io) !== 0) ioBreakpoint(c, port, size);
  if (!c.pe) return true;
  if (!c.vm && c.cpl <= ((c.flags >>> 12) & 3)) return true;
  const st = c.state;
  const type = st.segAttr[SysSeg.TR] & 0xf;
  if (type !== SysDescType.TSS32_BUSY && type !== SysDescType.TSS32_AVAIL) { c.gp(0); return false; }
  const limit = st.segLimit[SysSeg.TR];
  if (limit < 0x67) { c.gp(0); return false; }
  const base = st.segBase[2 * SysSeg.TR];
  c.implicitSupervisor = true;
  const mapOff = c.rdLin16(base + 0x66);
  const byte = mapOff + (port >>> 3);
  if (byte + 1 > limit) { c.implicitSupervisor = false; c.gp(0); return false; }
  const bits = c.rdLin16(base + byte);
  c.implicitSupervisor = false;
  if (c.fault) return false;
  const mask = ((1 << size) - 1) << (port & 7);
  if ((bits & mask) !== 0) { c.gp(0); return false; }
  return true;
}

// ---------------------------------------------------------------------------------------
// SYSENTER/SYSEXIT (Intel) and SYSCALL/SYSRET (AMD legacy mode)
// ---------------------------------------------------------------------------------------

function msrLo(c: Cpu, msr: number): number { return c.msrs.get(msr)?.[0] ?? 0; }
function msrHi(c: Cpu, msr: number): number { return c.msrs.get(msr)?.[1] ?? 0; }

/** Load flat CS/SS caches as SYSENTER/SYSCALL do (no descriptor reads). */
function flatSegment(c: Cpu, s: number, sel: number, dpl: number, code: boolean): void {
  const st = c.state;
  st.segSel[s] = sel;
  st.segBase[2 * s] = 0; st.segBase[2 * s + 1] = 0;
  st.segLimit[s] = 0xffffffff;
  st.segAttr[s] = SegAttr.P | SegAttr.S | SegAttr.DB | SegAttr.G | (dpl << SegAttr.DPL_SHIFT) | SegAttr.ACCESSED |
    (code ? SegAttr.CODE | SegAttr.READABLE : SegAttr.WRITABLE);
}

/** SYSENTER (Intel SDM Vol. 2B). */
export function sysenter(c: Cpu): void {
  if (!c.profile.sysenter) { c.ud(); return; }
  const cs = msrLo(c, Msr.IA32_SYSENTER_CS) & 0xffff;
  if (!c.pe || (cs & 0xfffc) === 0) { c.gp(0); return; }
  c.setFlags(c.getFlags() & ~(Rflags.VM | Rflags.IF | Rflags.RF));
  flatSegment(c, Seg.CS, cs & 0xfffc, 0, true);
  flatSegment(c, Seg.SS, (cs + 8) & 0xfffc, 0, false);
  c.r[8] = msrLo(c, Msr.IA32_SYSENTER_ESP);
  c.updateMode();
  c.eip = msrLo(c, Msr.IA32_SYSENTER_EIP) >>> 0;
}
/** SYSEXIT (Intel SDM Vol. 2B). */
export function sysexit(c: Cpu): void {
  if (!c.profile.sysenter) { c.ud(); return; }
  const cs = msrLo(c, Msr.IA32_SYSENTER_CS) & 0xffff;
  if (!c.pe || c.vm || c.cpl !== 0 || (cs & 0xfffc) === 0) { c.gp(0); return; }
  flatSegment(c, Seg.CS, ((cs + 16) & 0xfffc) | 3, 3, true);
  flatSegment(c, Seg.SS, ((cs + 24) & 0xfffc) | 3, 3, false);
  c.r[8] = c.r[2]; // ESP = ECX
  c.updateMode();
  c.eip = c.r[4] >>> 0; // EIP = EDX
}
/** SYSCALL in legacy mode (AMD APM Vol. 3 SYSCALL): CS/SS from STAR[47:32], EIP = STAR[31:0]. */
export function syscallLegacy(c: Cpu): void {
  if (!c.profile.syscall || (c.state.efer & 1) === 0) { c.ud(); return; }
  if (!c.pe || c.vm) { c.gp(0); return; }
  const star = msrHi(c, Msr.IA32_STAR);
  c.r[2] = c.eip | 0; // ECX = return EIP
  c.setFlags(c.getFlags() & ~(Rflags.VM | Rflags.IF | Rflags.RF));
  flatSegment(c, Seg.CS, star & 0xfffc, 0, true);
  flatSegment(c, Seg.SS, (star + 8) & 0xfffc, 0, false);
  c.updateMode();
  c.eip = msrLo(c, Msr.IA32_STAR) >>> 0;
}
/** SYSRET in legacy mode (AMD APM Vol. 3 SYSRET). */
export function sysretLegacy(c: Cpu): void {
  if (!c.profile.syscall || (c.state.efer & 1) === 0) { c.ud(); return; }
  if (!c.pe || c.vm || c.cpl !== 0) { c.gp(0); return; }
  const star = msrHi(c, Msr.IA32_STAR) >>> 16;
  flatSegment(c, Seg.CS, (star & 0xfffc) | 3, 3, true);
  flatSegment(c, Seg.SS, ((star + 8) & 0xfffc) | 3, 3, false);
  c.setFlags(c.getFlags() | Rflags.IF);
  c.updateMode();
  c.eip = c.r[2] >>> 0;
}
