/**
 * The lockstep driver: run two engines on the same guest, instruction by instruction (or block
 * by block, narrowing to the instruction when both engines can roll back), and stop at the
 * first divergence of the architectural state both engines observe. The report holds both
 * states, the field diff (core's `diffSnapshots`) and the disassembly of the instructions
 * leading up to the divergence.
 */
import { diffSnapshots, SegAttr, type CpuSnapshot } from '@x86kit/core';
import { hexBytes, noDisassembler, type Disassembler } from './disasm.js';
import { ALL_GROUPS, StateGroup, type Engine, type LockstepGuest } from './engine.js';

/** Options of {@link runLockstep}. */
export interface LockstepOptions {
  /** Stop after this many instructions without a divergence. */
  maxSteps: number;
  /**
   * Instructions per block; 1 = compare after every instruction. Larger blocks are faster but
   * only see differences still present at a block end (a difference overwritten inside the
   * block goes unnoticed); a detected one is narrowed to its instruction by replay.
   */
  block?: number;
  /** Compare only these groups (default: every group both engines observe). */
  groups?: readonly StateGroup[];
  /** RFLAGS bits compared (default all); clear undefined flags here when comparing to hardware. */
  flagsMask?: number;
  /** Instructions shown before the diverging one. */
  context?: number;
  disassembler?: Disassembler;
  /**
   * RFLAGS bits the instruction at `ip` leaves undefined (e.g. from the decoder's instruction
   * info). After such an instruction those bits are not compared, and the second engine's
   * values are overwritten with the first's so the difference cannot resurface later.
   */
  undefinedFlags?: (bytes: Uint8Array, bitness: 16 | 32 | 64, ip: number) => number;
  /**
   * After loading, make the first engine start exactly where the second did: copy its GPRs,
   * RIP, RFLAGS and selectors, and the memory ranges returned here (two boot loaders put the
   * multiboot information in different places; the kernel must see the same bytes in both).
   */
  syncFromSecond?: {
    memory: (second: CpuSnapshot, read: (addr: number, len: number) => Promise<Uint8Array>) => Promise<{ addr: number; len: number }[]>;
  };
}

/** One executed instruction, as recorded for the report. */
export interface TraceEntry {
  /** 1-based instruction number. */
  step: number;
  cs: number;
  ip: number;
  linear: number;
  bitness: 16 | 32 | 64;
  /** The instruction's bytes (8 bytes when its length is unknown). */
  bytes: Uint8Array;
  /** 15 bytes read at the instruction. */
  window: Uint8Array;
  /** Disassembly, or `''` without a decoder. */
  text: string;
}

/** Where and how the engines diverged. */
export interface Divergence {
  /** 1-based number of the instruction after which the states differ. */
  step: number;
  /** The state both engines agreed on before that instruction. */
  before: CpuSnapshot;
  a: CpuSnapshot;
  b: CpuSnapshot;
  /** `path: a → b` lines over the compared groups. */
  diff: string[];
  /** Instructions retired by each engine on that step (they differ when one stopped). */
  retiredA: number;
  retiredB: number;
  /** The last instructions, the diverging one last. */
  trace: TraceEntry[];
  /** True when the step is exact; false when only the block is known. */
  exact: boolean;
}

/** The result of a lockstep run. */
export interface LockstepResult {
  engines: [string, string];
  guest: string;
  outcome: 'diverged' | 'stopped' | 'limit';
  /** Instructions both engines retired in agreement. */
  steps: number;
  groups: StateGroup[];
  divergence?: Divergence;
  /** Times the second engine's undefined flags were overwritten with the first's. */
  flagResyncs: number;
  /** Both engines' guests left through isa-debug-exit on the same instruction. */
  guestExited?: boolean;
}

const FLAGS_ALL = 0xffffffff;

/** A copy of `b` where every group not compared is taken from `a`, flags masked in both. */
function project(a: CpuSnapshot, b: CpuSnapshot, groups: ReadonlySet<StateGroup>, flagsMask: number): [CpuSnapshot, CpuSnapshot] {
  const pa = structuredClone(a);
  const pb = structuredClone(b);
  pa.rflags = (pa.rflags & flagsMask) >>> 0;
  pb.rflags = (pb.rflags & flagsMask) >>> 0;
  if (!groups.has(StateGroup.Gpr)) pb.gpr = pa.gpr;
  if (!groups.has(StateGroup.Rip)) pb.rip = pa.rip;
  if (!groups.has(StateGroup.Rflags)) pb.rflags = pa.rflags;
  for (let i = 0; i < pa.seg.length; i++) {
    // Selectors of ES..GS are `Sel`; LDTR and TR (slots 6, 7) belong to the system state.
    if (!groups.has(i < 6 ? StateGroup.Sel : StateGroup.Hidden)) pb.seg[i].sel = pa.seg[i].sel;
    if (!groups.has(StateGroup.Hidden)) {
      pb.seg[i].base = pa.seg[i].base;
      pb.seg[i].limit = pa.seg[i].limit;
      pb.seg[i].attr = pa.seg[i].attr;
    }
  }
  if (!groups.has(StateGroup.Hidden)) { pb.gdtr = pa.gdtr; pb.idtr = pa.idtr; }
  if (!groups.has(StateGroup.Control)) {
    pb.cr0 = pa.cr0; pb.cr2 = pa.cr2; pb.cr3 = pa.cr3; pb.cr4 = pa.cr4; pb.efer = pa.efer;
  }
  if (!groups.has(StateGroup.Other)) { pb.dr = pa.dr; pb.cr8 = pa.cr8; pb.xcr0 = pa.xcr0; }
  if (!groups.has(StateGroup.Halted)) pb.halted = pa.halted;
  return [pa, pb];
}

/** Bitness of the code segment in a snapshot (CS.L → 64, CS.D → 32, else 16). */
export function codeBitness(s: CpuSnapshot): 16 | 32 | 64 {
  const attr = s.seg[1].attr;
  return (attr & SegAttr.L) !== 0 ? 64 : (attr & SegAttr.DB) !== 0 ? 32 : 16;
}

async function traceEntry(e: Engine, s: CpuSnapshot, step: number, dis: Disassembler): Promise<TraceEntry> {
  const bitness = codeBitness(s);
  const ip = Number(BigInt(s.rip) & 0xffffffffn);
  const linear = (Number(BigInt(s.seg[1].base) & 0xffffffffn) + ip) >>> 0;
  const window = await e.readLinear(linear, 15);
  const d = dis(window, bitness, ip);
  const len = d !== null && d.length > 0 ? d.length : 0;
  return { step, cs: s.seg[1].sel, ip, linear, bitness, bytes: len > 0 ? window.subarray(0, len) : window.subarray(0, 8), window, text: d?.text ?? '' };
}

/** Run two engines on `guest` until they diverge, both stop, or `maxSteps` is reached. */
export async function runLockstep(a: Engine, b: Engine, guest: LockstepGuest, opts: LockstepOptions): Promise<LockstepResult> {
  const groupsList = (opts.groups ?? ALL_GROUPS).filter((g) => a.observes.includes(g) && b.observes.includes(g));
  const groups = new Set(groupsList);
  const flagsMask = opts.flagsMask ?? FLAGS_ALL;
  const ctxN = opts.context ?? 6;
  const dis = opts.disassembler ?? noDisassembler;
  const block = Math.max(1, opts.block ?? 1);
  const canRollback = a.checkpoint !== undefined && a.rollback !== undefined && b.checkpoint !== undefined && b.rollback !== undefined;
  const result: LockstepResult = { engines: [a.name, b.name], guest: guest.name, outcome: 'limit', steps: 0, groups: groupsList, flagResyncs: 0 };
  await Promise.all([a.load(guest), b.load(guest)]);
  if (opts.syncFromSecond !== undefined) {
    const [sa, sb] = await Promise.all([a.state(), b.state()]);
    sa.gpr = sb.gpr.slice();
    sa.rip = sb.rip;
    sa.rflags = sb.rflags;
    for (let i = 0; i < 6; i++) sa.seg[i].sel = sb.seg[i].sel;
    await a.setState(sa);
    for (const r of await opts.syncFromSecond.memory(sb, (addr, len) => b.readLinear(addr, len))) {
      if (a.writeLinear === undefined) throw new Error(`lockstep: ${a.name} cannot write memory for syncFromSecond`);
      await a.writeLinear(r.addr, await b.readLinear(r.addr, r.len));
    }
  }
  const trace: TraceEntry[] = [];
  const compare = (sa: CpuSnapshot, sb: CpuSnapshot, undef = 0): string[] => {
    const [pa, pb] = project(sa, sb, groups, (flagsMask & ~undef) >>> 0);
    return diffSnapshots(pa, pb);
  };

  /** Single-step up to `limit` instructions; returns true when it stopped the run. */
  const singleSteps = async (limit: number): Promise<boolean> => {
    for (let i = 0; i < limit; i++) {
      const before = await a.state();
      const entry = await traceEntry(a, before, result.steps + 1, dis);
      const prev = trace[trace.length - 1];
      // Without a decoder, a straight-line successor tells the previous instruction's length.
      if (prev !== undefined && prev.text === '' && prev.step === entry.step - 1) {
        const k = entry.linear - prev.linear;
        if (k >= 1 && k <= 15) prev.bytes = prev.window.subarray(0, k);
      }
      trace.push(entry);
      if (trace.length > ctxN + 1) trace.shift();
      const undef = opts.undefinedFlags?.(entry.window, entry.bitness, entry.ip) ?? 0;
      const [ka, kb] = await Promise.all([a.step(1), b.step(1)]);
      const ea = a.exited?.() ?? false;
      const eb = b.exited?.() ?? false;
      if (ea || eb) {
        // The guest left through isa-debug-exit: the final state of an exited QEMU is gone, so
        // only "both left on the same instruction" is compared.
        if (ea && eb && ka === kb) { result.steps += ka; result.outcome = 'stopped'; result.guestExited = true; return true; }
        const [sa, sb] = await Promise.all([a.state(), b.state()]);
        result.outcome = 'diverged';
        result.divergence = { step: result.steps + 1, before, a: sa, b: sb, diff: [`exited: ${ea} → ${eb}`], retiredA: ka, retiredB: kb, trace: trace.slice(), exact: true };
        return true;
      }
      const [sa, sb] = await Promise.all([a.state(), b.state()]);
      const diff = compare(sa, sb, undef);
      if (diff.length === 0 && ka === kb && undef !== 0 && ((sa.rflags ^ sb.rflags) & undef) !== 0) {
        sb.rflags = ((sb.rflags & ~undef) | (sa.rflags & undef)) >>> 0;
        await b.setState(sb);
        result.flagResyncs++;
      }
      if (diff.length > 0 || ka !== kb) {
        if (entry.text === '' && sa.seg[1].sel === entry.cs) {
          const k = Number(BigInt(sa.rip) - BigInt(before.rip));
          if (k >= 1 && k <= 15) entry.bytes = entry.window.subarray(0, k);
        }
        if (ka !== kb) diff.push(`retired: ${ka} → ${kb}`);
        result.outcome = 'diverged';
        result.divergence = { step: result.steps + 1, before, a: sa, b: sb, diff, retiredA: ka, retiredB: kb, trace: trace.slice(), exact: true };
        return true;
      }
      if (ka === 0) { trace.pop(); result.outcome = 'stopped'; return true; }
      result.steps++;
    }
    return false;
  };

  while (result.steps < opts.maxSteps) {
    const n = Math.min(block, opts.maxSteps - result.steps);
    if (n === 1) {
      if (await singleSteps(1)) return result;
      continue;
    }
    const before = await a.state();
    const tokens = canRollback ? await Promise.all([a.checkpoint!(), b.checkpoint!()]) : null;
    const [ka, kb] = await Promise.all([a.step(n), b.step(n)]);
    const [sa, sb] = await Promise.all([a.state(), b.state()]);
    const diff = compare(sa, sb);
    if (diff.length === 0 && ka === kb) {
      result.steps += ka;
      if (ka < n) { result.outcome = 'stopped'; return result; }
      continue;
    }
    if (tokens !== null) {
      await Promise.all([a.rollback!(tokens[0]), b.rollback!(tokens[1])]);
      trace.length = 0;
      // Replay one instruction at a time: either the divergence is found, or it was only
      // in undefined flags (resynchronised on the way) and the run goes on.
      if (await singleSteps(Math.max(ka, kb))) return result;
      continue;
    }
    if (ka !== kb) diff.push(`retired: ${ka} → ${kb}`);
    result.outcome = 'diverged';
    result.divergence = {
      step: result.steps + Math.max(ka, kb), before, a: sa, b: sb, diff, retiredA: ka, retiredB: kb,
      trace: [await traceEntry(a, sa, result.steps + ka, dis)], exact: false,
    };
    return result;
  }
  return result;
}

const GPR32 = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];
const SEGN = ['es', 'cs', 'ss', 'ds', 'fs', 'gs', 'ldtr', 'tr'];

function h32(s: string): string {
  return (Number(BigInt(s) & 0xffffffffn) >>> 0).toString(16).padStart(8, '0');
}

/** Side-by-side register view of the two states (`*` marks differing rows). */
function sideBySide(r: LockstepResult, d: Divergence): string[] {
  const rows: [string, string, string][] = [];
  for (let i = 0; i < 8; i++) rows.push([GPR32[i], h32(d.a.gpr[i]), h32(d.b.gpr[i])]);
  rows.push(['eip', h32(d.a.rip), h32(d.b.rip)]);
  rows.push(['eflags', d.a.rflags.toString(16).padStart(8, '0'), d.b.rflags.toString(16).padStart(8, '0')]);
  for (let i = 0; i < 6; i++) rows.push([SEGN[i], d.a.seg[i].sel.toString(16).padStart(4, '0'), d.b.seg[i].sel.toString(16).padStart(4, '0')]);
  if (r.groups.includes(StateGroup.Control)) {
    rows.push(['cr0', d.a.cr0.toString(16).padStart(8, '0'), d.b.cr0.toString(16).padStart(8, '0')]);
    rows.push(['cr3', h32(d.a.cr3), h32(d.b.cr3)]);
  }
  const wa = Math.max(r.engines[0].length, 8);
  const out = [`    ${''.padEnd(6)}  ${r.engines[0].padEnd(wa)}  ${r.engines[1]}`];
  for (const [n, x, y] of rows) out.push(`  ${x === y ? ' ' : '*'} ${n.padEnd(6)}  ${x.padEnd(wa)}  ${y}`);
  return out;
}

/** Human-readable lockstep report (what the CLI prints). */
export function formatLockstep(r: LockstepResult): string {
  const head = `lockstep ${r.engines[0]} vs ${r.engines[1]} on ${r.guest}`;
  if (r.divergence === undefined) {
    const resync = r.flagResyncs > 0 ? `; undefined flags resynchronised ${r.flagResyncs} times` : '';
    const how = r.guestExited === true ? 'both left through isa-debug-exit' : r.outcome === 'stopped' ? 'both stopped' : 'no divergence';
    return `${head}: ${how} after ${r.steps} instructions in agreement (compared: ${r.groups.join(' ')}${resync})\n`;
  }
  const d = r.divergence;
  const last = d.trace[d.trace.length - 1];
  const where = last !== undefined ? ` at ${last.cs.toString(16).padStart(4, '0')}:${last.ip.toString(16).padStart(last.bitness === 16 ? 4 : 8, '0')}` : '';
  const out = [`${head}: DIVERGED ${d.exact ? 'after' : 'within the block ending at'} instruction ${d.step}${where} (compared: ${r.groups.join(' ')})`];
  out.push('  instructions:');
  for (const t of d.trace) {
    const mark = t === last ? '=>' : '  ';
    const addr = `${t.cs.toString(16).padStart(4, '0')}:${t.ip.toString(16).padStart(t.bitness === 16 ? 4 : 8, '0')}`;
    out.push(`  ${mark} #${String(t.step).padEnd(6)} ${addr}  ${hexBytes(t.bytes).padEnd(24)} ${t.text}`.trimEnd());
  }
  out.push('  state after it:');
  out.push(...sideBySide(r, d));
  out.push(`  diff (${r.engines[0]} → ${r.engines[1]}):`);
  for (const line of d.diff) out.push(`    ${line}`);
  return `${out.join('\n')}\n`;
}
