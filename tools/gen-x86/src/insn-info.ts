/**
 * Instruction-info generator: `data/insn-info.txt` → `packages/decoder/src/generated/info.ts`.
 *
 * `data/insn-info.txt` was bootstrapped from the iced InstructionInfo test vectors (see its
 * header and {@link bootstrapInsnInfo}); from then on it is the data of record, edited by hand.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { conformanceDir, readGzLines, type CodeEntry } from './code-list.js';

/** Flag letters of the data file → bit (architectural RFLAGS positions; FPU C0–C3 and UIF above bit 23). */
export const FLAG_LETTERS: Readonly<Record<string, number>> = {
  c: 1 << 0, p: 1 << 2, a: 1 << 4, z: 1 << 6, s: 1 << 7, i: 1 << 9, d: 1 << 10, o: 1 << 11,
  A: 1 << 18, '0': 1 << 24, '1': 1 << 25, '2': 1 << 26, '3': 1 << 27, u: 1 << 28,
};

/** Operand access letters → OpAccess value. */
export const ACCESS_LETTERS: Readonly<Record<string, number>> = {
  n: 0, r: 1, cr: 2, w: 3, cw: 4, rw: 5, rcw: 6, nma: 7,
};

/** Flow kinds (names as in the data file). */
export const FLOW_KINDS = ['Next', 'UnconditionalBranch', 'IndirectBranch', 'ConditionalBranch', 'Return', 'Call', 'IndirectCall', 'Interrupt', 'XbeginXabortXend', 'Exception'] as const;

/** Encodings. */
export const ENCODINGS = ['Legacy', 'VEX', 'EVEX', 'XOP', 'D3NOW', 'MVEX'] as const;

interface InfoRecord {
  enc: string;
  cpuid: string;
  fr: string; fw: string; fc: string; fs: string; fu: string;
  ops: string[];
  flow: string;
  priv: boolean;
  stack: string;
}

function parseKv(rest: string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const tok of rest.split(/\s+/)) {
    if (tok.length === 0) continue;
    const eq = tok.indexOf('=');
    const k = eq < 0 ? tok : tok.slice(0, eq);
    const v = eq < 0 ? '' : tok.slice(eq + 1);
    const list = m.get(k);
    if (list === undefined) m.set(k, [v]); else list.push(v);
  }
  return m;
}

function recordFromTest(enc: string, cpuid: string, rest: string): InfoRecord | null {
  const kv = parseKv(rest);
  if (kv.has('decopt')) return null;
  const ops: string[] = [];
  for (let i = 0; i < 5; i++) {
    const v = kv.get(`op${i}`);
    if (v === undefined) break;
    ops.push(v[0] ?? 'n');
  }
  const one = (k: string): string => (kv.get(k)?.join('') ?? '');
  return {
    enc, cpuid, fr: one('fr'), fw: one('fw'), fc: one('fc'), fs: one('fs'), fu: one('fu'),
    ops, flow: one('flow') === '' ? 'Next' : one('flow'), priv: kv.has('priv'), stack: one('stack'),
  };
}

function recordLine(name: string, r: InfoRecord): string {
  const parts = [name, r.enc, r.cpuid];
  for (const k of ['fr', 'fw', 'fc', 'fs', 'fu'] as const) if (r[k] !== '') parts.push(`${k}=${r[k]}`);
  if (r.ops.length > 0) parts.push(`ops=${r.ops.join(';')}`);
  if (r.flow !== 'Next') parts.push(`flow=${r.flow}`);
  if (r.priv) parts.push('priv');
  return parts.join(' ');
}

/**
 * Build the text of `data/insn-info.txt` from the iced InstructionInfo test vectors (64-bit
 * file first, then 32, then 16; the first non-`decopt` line of each Code wins). Codes the
 * vectors never mention are listed with `unknown`.
 */
export function bootstrapInsnInfo(workspaceRoot: string, codes: readonly CodeEntry[]): string {
  const dir = join(conformanceDir(workspaceRoot), 'iced', 'InstructionInfo');
  const variants = new Map<string, Map<string, { rec: InfoRecord; n: number; order: number }>>();
  let order = 0;
  for (const b of [64, 32, 16]) {
    for (const line of readGzLines(join(dir, `InstructionInfoTest_${b}.txt.gz`))) {
      const f: string[] = [];
      let rest = line;
      for (let i = 0; i < 4; i++) {
        const c = rest.indexOf(',');
        if (c < 0) { f.push(rest.trim()); rest = ''; break; }
        f.push(rest.slice(0, c).trim());
        rest = rest.slice(c + 1);
      }
      const name = f[1] ?? '';
      if (name === 'INVALID') continue;
      const r = recordFromTest(f[2] ?? '', f[3] ?? '', rest.trim());
      if (r === null) continue;
      let m = variants.get(name);
      if (m === undefined) { m = new Map(); variants.set(name, m); }
      const key = recordLine(name, r);
      const v = m.get(key);
      if (v === undefined) m.set(key, { rec: r, n: 1, order: order++ }); else v.n++;
    }
  }
  // Several vectors per Code can differ (a shift by an immediate 0 or 1 changes fewer flags than
  // the general case; a masked EVEX destination is cond-write): keep the most frequent variant,
  // then the one touching more flags, then the first seen.
  const byName = new Map<string, InfoRecord>();
  const conflictNames: string[] = [];
  const weight = (r: InfoRecord): number => (r.fr + r.fw + r.fc + r.fs + r.fu).length;
  for (const [name, m] of variants) {
    let best: { rec: InfoRecord; n: number; order: number } | undefined;
    for (const v of m.values()) {
      if (best === undefined || v.n > best.n || (v.n === best.n && (weight(v.rec) > weight(best.rec) ||
        (weight(v.rec) === weight(best.rec) && v.order < best.order)))) best = v;
    }
    if (best !== undefined) byName.set(name, best.rec);
    if (m.size > 1) conflictNames.push(name);
  }
  const conflicts = conflictNames.length;
  const out: string[] = [
    '# insn-info.txt — per-Code instruction info: encoding, CPUID features, RFLAGS read (fr),',
    '# written (fw), always cleared (fc), always set (fs), undefined (fu), operand access (ops),',
    '# flow-control kind (flow), privileged (priv).',
    '#',
    '# PROVENANCE: bootstrapped by tools/gen-x86 (`bootstrapInsnInfo`) from the iced project\'s',
    '# InstructionInfo TEST DATA (../shared/conformance/iced/InstructionInfo/*.txt.gz, MIT): per Code',
    '# the most frequent non-decopt variant. No iced code was used. Flag letters: o s z a p c',
    '# i d, A = AC, u = UIF, 0-3 = FPU C0-C3. Access: n r cr w cw rw rcw nma.',
    `# Codes with different info in different test lines (instance-dependent; most frequent kept): ${conflicts}`,
    `#   ${conflictNames.slice(0, 40).join(' ')}${conflictNames.length > 40 ? ' ...' : ''}`,
    '# Codes the test data never mentions are marked `unknown` (no info yet).',
    '#',
    '# CODE ENCODING CPUID[;CPUID] [fr=..] [fw=..] [fc=..] [fs=..] [fu=..] [ops=a;b;..] [flow=..] [priv]',
  ];
  for (const c of codes) {
    if (c.name === 'INVALID') continue;
    const r = byName.get(c.name);
    out.push(r === undefined ? `${c.name} unknown` : recordLine(c.name, r));
  }
  return `${out.join('\n')}\n`;
}

/** Emit `generated/info.ts` from `data/insn-info.txt`. */
export function generateInsnInfo(dataPath: string, codes: readonly CodeEntry[]): string {
  const byName = new Map<string, string[]>();
  for (const line of readFileSync(dataPath, 'utf8').split('\n')) {
    const t = line.trim();
    if (t.length === 0 || t.startsWith('#')) continue;
    const parts = t.split(/\s+/);
    byName.set(parts[0] ?? '', parts.slice(1));
  }
  const cpuidCombos: string[] = [''];
  const cpuidIndex = new Map<string, number>([['', 0]]);
  const recKeys = new Map<string, number>();
  const recs: number[] = [];
  const perCode = new Uint16Array(codes.length);
  const flagsOf = (s: string, line: string): number => {
    let v = 0;
    for (const ch of s) {
      const b = FLAG_LETTERS[ch];
      if (b === undefined) throw new Error(`insn-info.txt: bad flag letter ${ch} in ${line}`);
      v |= b;
    }
    return v >>> 0;
  };
  for (const c of codes) {
    const p = byName.get(c.name);
    if (p === undefined || p[0] === 'unknown') { perCode[c.value] = 0; continue; }
    const line = `${c.name} ${p.join(' ')}`;
    const enc = ENCODINGS.indexOf((p[0] ?? '') as (typeof ENCODINGS)[number]);
    if (enc < 0) throw new Error(`insn-info.txt: bad encoding in ${line}`);
    const cpu = p[1] ?? '';
    let ci = cpuidIndex.get(cpu);
    if (ci === undefined) { ci = cpuidCombos.length; cpuidCombos.push(cpu); cpuidIndex.set(cpu, ci); }
    let fr = 0, fw = 0, fc = 0, fs = 0, fu = 0, ops = 0, nOps = 0, flow = 0, priv = 0;
    for (const kv of p.slice(2)) {
      const eq = kv.indexOf('=');
      const k = eq < 0 ? kv : kv.slice(0, eq);
      const v = eq < 0 ? '' : kv.slice(eq + 1);
      switch (k) {
        case 'fr': fr = flagsOf(v, line); break;
        case 'fw': fw = flagsOf(v, line); break;
        case 'fc': fc = flagsOf(v, line); break;
        case 'fs': fs = flagsOf(v, line); break;
        case 'fu': fu = flagsOf(v, line); break;
        case 'ops': {
          const list = v.split(';');
          nOps = list.length;
          for (let i = 0; i < list.length; i++) {
            const a = ACCESS_LETTERS[list[i] ?? ''];
            if (a === undefined) throw new Error(`insn-info.txt: bad access in ${line}`);
            ops |= a << (i * 4);
          }
          break;
        }
        case 'flow': flow = FLOW_KINDS.indexOf(v as (typeof FLOW_KINDS)[number]); if (flow < 0) throw new Error(`insn-info.txt: bad flow in ${line}`); break;
        case 'priv': priv = 1; break;
        default: throw new Error(`insn-info.txt: unknown key ${k} in ${line}`);
      }
    }
    // word 6: bit 0 known, bit 1 priv, bits 4..7 flow, bits 8..10 encoding, bits 12..14 operand count, bits 16..31 cpuid combo
    const misc = (1 | (priv << 1) | (flow << 4) | (enc << 8) | (nOps << 12) | (ci << 16)) >>> 0;
    const rec = [fr, fw, fc, fs, fu, ops >>> 0, misc];
    const key = rec.join(',');
    let ri = recKeys.get(key);
    if (ri === undefined) { ri = recs.length / 7; recKeys.set(key, ri); recs.push(...rec); }
    perCode[c.value] = ri + 1;
  }
  const hex = (n: number): string => `0x${n.toString(16)}`;
  const recLines: string[] = [];
  for (let i = 0; i < recs.length; i += 7) recLines.push(`  ${recs.slice(i, i + 7).map(hex).join(', ')},`);
  const codeLines: string[] = [];
  for (let i = 0; i < perCode.length; i += 24) codeLines.push(`  ${Array.from(perCode.subarray(i, i + 24)).join(',')},`);
  return `// @generated by tools/gen-x86 from data/insn-info.txt. Do not edit.

/** Number of Code values the tables were generated for. */
export const INFO_CODE_COUNT = ${codes.length};

/** CPUID feature combinations (\`;\`-separated iced CpuidFeature names); index 0 = unknown. */
export const INFO_CPUID_COMBOS: readonly string[] = ${JSON.stringify(cpuidCombos)};

/** Flow-control kind names, by value. */
export const INFO_FLOW_NAMES: readonly string[] = ${JSON.stringify(FLOW_KINDS)};

/** Encoding names, by value. */
export const INFO_ENCODING_NAMES: readonly string[] = ${JSON.stringify(ENCODINGS)};

/**
 * Unique info records, 7 words each: flags read, written, cleared, set, undefined; operand
 * access (4 bits per operand); misc (bit 0 known, bit 1 privileged, bits 4-7 flow, bits 8-10
 * encoding, bits 12-14 operand count, bits 16-31 CPUID combination).
 */
export const INFO_RECORDS = new Uint32Array([
${recLines.join('\n')}
]);

/** Per Code: 1 + index into INFO_RECORDS, or 0 when no info is recorded. */
export const INFO_BY_CODE = new Uint16Array([
${codeLines.join('\n')}
]);
`;
}
