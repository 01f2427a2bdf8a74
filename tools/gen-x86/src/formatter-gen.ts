/**
 * Formatter table generator: derives, from the decoder's ISA data (`data/isa.txt`), per `Code`
 * facts the Intel formatter needs and that follow from the ISA itself rather than from taste:
 *
 * - "memory size ambiguous": another form with the same mnemonic and the same operand shape
 *   (registers by class, any immediate, any branch) exists in the same mode with a different
 *   memory operand size. Then `byte ptr`/`dword ptr`/... is needed to tell them apart (the
 *   formatter's `memorySize: 'default'` shows it only then), e.g. `push dword ptr [eax]`,
 *   `movzx eax,byte ptr [eax]`, but `mov cl,[eax]`.
 */
import { readFileSync } from 'node:fs';

/** Bits of the per-Code formatter flags. */
export const FMT_FLAG = { AMBIG16: 1, AMBIG32: 2, AMBIG64: 4, OS_AMBIG: 8, DO64: 16, FO64: 32, MOFFS: 64, PAIR: 128, SAE: 256, ER: 512, REP: 1024, REPE: 2048, BND: 4096 } as const;

interface IsaRec { name: string; mnemonic: string; ops: string[]; mem: string; modes: string[]; os: string; flags: string[] }

function parseIsa(path: string): IsaRec[] {
  const out: IsaRec[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const t = line.trim();
    if (t.length === 0 || t.startsWith('#')) continue;
    const f = t.split(/\s+/);
    const kv = new Map<string, string>();
    for (const x of f.slice(2)) { const e = x.indexOf('='); if (e > 0) kv.set(x.slice(0, e), x.slice(e + 1)); }
    out.push({
      name: f[0] ?? '', mnemonic: f[1] ?? '', ops: (kv.get('ops') ?? '').split(',').filter((s) => s !== ''),
      mem: kv.get('mem') ?? '', modes: (kv.get('modes') ?? '').split(','), os: kv.get('os') ?? '', flags: (kv.get('flags') ?? '').split(','),
    });
  }
  return out;
}

function shapeToken(op: string): string {
  if (op.includes('_or_mem') || op === 'mem' || op.startsWith('mem_') || op === 'sibmem') return 'M';
  if (op.startsWith('imm8_const')) return op;
  if (op.startsWith('imm')) return 'I';
  if (op.startsWith('br') || op.startsWith('xbegin') || op.startsWith('farbr')) return 'B';
  return op;
}

/** Emit `generated/formatter-tables.ts`. */
export function generateFormatterTables(isaPath: string): string {
  const recs = parseIsa(isaPath);
  const flags = new Uint16Array(recs.length);
  const modeBits: Record<string, number> = { '16': FMT_FLAG.AMBIG16, '32': FMT_FLAG.AMBIG32, '64': FMT_FLAG.AMBIG64 };
  for (const mode of ['16', '32', '64']) {
    const groups = new Map<string, Set<string>>();
    const keyOf = (r: IsaRec): string => `${r.mnemonic}|${r.ops.map(shapeToken).join(',')}`;
    // Forms whose GPR operand size comes from W / REX.W (vcvtsi2ss r/m32 vs r/m64, ptwrite) are grouped
    // across modes: the 64-bit form exists in the encoding space even where it cannot be used.
    const inMode = (r: IsaRec): boolean => r.modes.includes(mode) || /_rm(32|64)(_|$)/.test(r.name);
    for (const r of recs) {
      if (!inMode(r) || r.mem === '' || r.mnemonic === 'Nop' || !r.ops.some((o) => shapeToken(o) === 'M')) continue;
      const k = keyOf(r);
      let s = groups.get(k);
      if (s === undefined) { s = new Set(); groups.set(k, s); }
      s.add(r.mem);
    }
    recs.forEach((r, i) => {
      if (!r.modes.includes(mode) || r.mem === '') return;
      const s = groups.get(keyOf(r));
      if (s !== undefined && s.size > 1) flags[i] = (flags[i] ?? 0) | (modeBits[mode] ?? 0);
    });
  }
  // Operand-size prefix visibility: forms that share mnemonic and operand shape but differ in
  // operand size (push imm16/imm32, jcc rel16/rel32, retf w/d/q) need `data16`/`data32`/`data64`.
  const osGroups = new Map<string, Set<string>>();
  const osKey = (r: IsaRec): string => `${r.mnemonic}|${r.ops.map(shapeToken).join(',')}`;
  for (const r of recs) {
    if (r.os === '') continue;
    const k = osKey(r);
    let s = osGroups.get(k);
    if (s === undefined) { s = new Set(); osGroups.set(k, s); }
    s.add(r.os);
  }
  recs.forEach((r, i) => {
    if (r.os !== '' && (osGroups.get(osKey(r))?.size ?? 0) > 1) flags[i] = (flags[i] ?? 0) | FMT_FLAG.OS_AMBIG;
  });
  recs.forEach((r, i) => {
    let f = flags[i] ?? 0;
    if (r.flags.includes('do64')) f |= FMT_FLAG.DO64;
    if (r.flags.includes('intel-fo64')) f |= FMT_FLAG.FO64;
    if (r.ops.includes('mem_offs')) f |= FMT_FLAG.MOFFS;
    // BOUND's second operand is a pair (m16&16 / m32&32): sized in the default style, not in the minimal one.
    if (r.mnemonic === 'Bound' || r.mnemonic === 'Fbld' || r.mnemonic === 'Fbstp') f |= FMT_FLAG.PAIR;
    if (r.flags.includes('sae')) f |= FMT_FLAG.SAE;
    if (r.flags.includes('er') && !r.flags.includes('ignore-er')) f |= FMT_FLAG.ER | FMT_FLAG.SAE;
    if (r.flags.includes('rep')) f |= FMT_FLAG.REP;
    if (r.flags.includes('bnd')) f |= FMT_FLAG.BND;
    if (r.flags.includes('repe') || r.flags.includes('repne')) f |= FMT_FLAG.REPE;
    flags[i] = f;
  });
  const lines: string[] = [];
  for (let i = 0; i < flags.length; i += 48) lines.push(`  ${Array.from(flags.subarray(i, i + 48)).join(',')},`);
  return `// @generated by tools/gen-x86 from data/isa.txt (formatter-gen.ts). Do not edit.

/** Per Code: bit 0/1/2 = the memory operand size is ambiguous in 16/32/64-bit code; bit 3 = the operand size is not visible in the operands; bit 4 = default operand size 64 in 64-bit mode; bit 5 = operand size forced to 64 (66h ignored, Intel); bit 6 = moffs operand; bit 7 = pair operand sized in the default style only; bit 8 = {sae}; bit 9 = embedded rounding; bit 10 = takes REP; bit 11 = takes REPE/REPNE; bit 12 = takes BND (see formatter-gen.ts). */
export const FMT_FLAGS = new Uint16Array([
${lines.join('\n')}
]);
`;
}
