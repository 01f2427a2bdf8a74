/**
 * Decoder table generator: reads x86kit's ISA description (`data/isa.txt`, one record per
 * instruction form) and emits the dense typed-array dispatch tables and the `Code` /
 * `Mnemonic` / `MemorySize` vocabularies used by `@x86kit/decoder`.
 *
 * Record format (see README "ISA data format"):
 *   `<Code> <Mnemonic> enc=.. map=.. op=XX pp=any|NP|66|F3|F2 [modrm] [opreg] [mod=mem|reg]
 *    [reg=N] [rm=N] [L=0|1|2|ig] [W=0|1|ig] [os=16|32|64] [as=16|32|64] [imm=..]
 *    [ops=k1,k2,..] [mem=MemorySize] [bcst=MemorySize] modes=16,32,64 [tt=..]
 *    [decopt=..] [flags=a,b,..]`
 */

export interface IsaRecord {
  readonly code: string;
  readonly mnemonic: string;
  readonly enc: string;
  readonly map: string;
  readonly op: number;
  readonly pp: string;
  readonly modrm: boolean;
  readonly opreg: boolean;
  readonly mod: string;
  readonly reg: number;
  readonly rm: number;
  readonly l: string;
  readonly w: string;
  readonly os: number;
  readonly as: number;
  readonly ops: readonly string[];
  readonly mem: string;
  readonly bcst: string;
  readonly modes: readonly number[];
  readonly tt: string;
  readonly decopt: string;
  readonly flags: ReadonlySet<string>;
}

/** Parses `data/isa.txt`. Throws on malformed records (generator-time only). */
export function parseIsa(text: string): IsaRecord[] {
  const out: IsaRecord[] = [];
  let lineNo = 0;
  for (const raw of text.split('\n')) {
    lineNo++;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const t = line.split(/\s+/);
    const code = t[0];
    const mnemonic = t[1];
    if (code === undefined || mnemonic === undefined) throw new Error(`isa.txt:${lineNo}: short record`);
    const kv = new Map<string, string>();
    const bare = new Set<string>();
    for (const tok of t.slice(2)) {
      const eq = tok.indexOf('=');
      if (eq < 0) bare.add(tok);
      else if (tok.startsWith('pp=') && kv.has('pp')) kv.set('pp', tok.slice(3) === 'NP' ? 'NP' : (kv.get('pp') ?? 'any'));
      else kv.set(tok.slice(0, eq), tok.slice(eq + 1));
    }
    const num = (k: string, d: number): number => (kv.has(k) ? parseInt(kv.get(k) ?? '', 10) : d);
    out.push({
      code,
      mnemonic,
      enc: kv.get('enc') ?? 'legacy',
      map: kv.get('map') ?? 'legacy',
      op: parseInt(kv.get('op') ?? '0', 16),
      pp: kv.get('pp') ?? 'any',
      modrm: bare.has('modrm'),
      opreg: bare.has('opreg'),
      mod: kv.get('mod') ?? '',
      reg: num('reg', -1),
      rm: num('rm', -1),
      l: kv.get('L') ?? '',
      w: kv.get('W') ?? '',
      os: num('os', 0),
      as: num('as', 0),
      ops: kv.has('ops') ? (kv.get('ops') ?? '').split(',') : [],
      mem: kv.get('mem') ?? 'Unknown',
      bcst: kv.get('bcst') ?? 'Unknown',
      modes: (kv.get('modes') ?? '').split(',').filter((x) => x !== 'none').map((x) => parseInt(x, 10)),
      tt: kv.get('tt') ?? '',
      decopt: kv.get('decopt') ?? '',
      flags: new Set((kv.get('flags') ?? '').split(',').filter((x) => x !== '')),
    });
  }
  return out;
}

/** Operand encodings, in the order of the generated `OperandEncoding` numbers. */
export const OPERAND_ENCODINGS = [
  'none', 'al', 'ax', 'eax', 'rax', 'cl', 'dx', 'es', 'cs', 'ss', 'ds', 'fs', 'gs', 'st0',
  'br16_1', 'br16_2', 'br32_1', 'br32_4', 'br64_1', 'br64_4', 'brdisp_2', 'brdisp_4', 'xbegin_2', 'xbegin_4',
  'farbr2_2', 'farbr4_2',
  'imm8', 'imm16', 'imm32', 'imm64', 'imm32sex64', 'imm8sex16', 'imm8sex32', 'imm8sex64', 'imm8_const_1', 'imm4_m2z',
  'es_rDI', 'seg_rSI', 'seg_rDI', 'seg_rBX_al',
  'mem', 'mem_offs', 'mem_mib', 'mem_mpx', 'sibmem',
  'mem_vsib32x', 'mem_vsib32y', 'mem_vsib32z', 'mem_vsib64x', 'mem_vsib64y', 'mem_vsib64z',
  'r8_reg', 'r16_reg', 'r32_reg', 'r64_reg', 'r16_reg_mem', 'r32_reg_mem', 'r64_reg_mem',
  'r8_or_mem', 'r16_or_mem', 'r32_or_mem', 'r64_or_mem', 'r32_or_mem_mpx', 'r64_or_mem_mpx',
  'r16_rm', 'r32_rm', 'r64_rm',
  'r8_opcode', 'r16_opcode', 'r32_opcode', 'r64_opcode', 'sti_opcode',
  'r32_vvvv', 'r64_vvvv',
  'seg_reg', 'cr_reg', 'dr_reg', 'tr_reg', 'bnd_reg', 'bnd_or_mem_mpx',
  'mm_reg', 'mm_rm', 'mm_or_mem',
  'xmm_reg', 'xmm_rm', 'xmm_or_mem', 'xmm_vvvv', 'xmmp3_vvvv', 'xmm_is4', 'xmm_is5',
  'ymm_reg', 'ymm_rm', 'ymm_or_mem', 'ymm_vvvv', 'ymm_is4', 'ymm_is5',
  'zmm_reg', 'zmm_rm', 'zmm_or_mem', 'zmm_vvvv', 'zmmp3_vvvv',
  'k_reg', 'k_rm', 'k_or_mem', 'k_vvvv', 'kp1_reg',
  'tmm_reg', 'tmm_rm', 'tmm_vvvv',
] as const;

/** Dispatch tables (map ids) in the order the decoder indexes them. */
export const DISPATCH_TABLES = [
  'legacy/legacy', 'legacy/0F', 'legacy/0F38', 'legacy/0F3A', '3dnow/0F',
  'vex/0F', 'vex/0F38', 'vex/0F3A',
  'evex/0F', 'evex/0F38', 'evex/0F3A', 'evex/MAP5', 'evex/MAP6',
  'xop/X8', 'xop/X9', 'xop/XA',
] as const;

const MEM_ONLY = new Set(['mem', 'mem_mib', 'mem_mpx', 'sibmem', 'mem_vsib32x', 'mem_vsib32y', 'mem_vsib32z', 'mem_vsib64x', 'mem_vsib64y', 'mem_vsib64z', 'r16_reg_mem', 'r32_reg_mem', 'r64_reg_mem']);
const REG_ONLY = new Set(['r16_rm', 'r32_rm', 'r64_rm', 'mm_rm', 'xmm_rm', 'ymm_rm', 'zmm_rm', 'k_rm', 'tmm_rm']);

/** Bit layout of the per-form match word (mirrored in packages/decoder/src/decoder.ts). */
export const MATCH = {
  modes16: 1, modes32: 2, modes64: 4,
  ppShift: 3, // 0 any, 1 NP, 2 66, 3 F3, 4 F2
  modShift: 6, // 0 any, 1 mem, 2 reg
  regShift: 8, // 0..7, 15 any
  rmShift: 12, // 0..7, 15 any
  osShift: 16, // 0 any, 1 16, 2 32, 3 64
  asShift: 18,
  wShift: 20, // 0 any, 1 W0, 2 W1
  lShift: 22, // 0 any, 1 L0, 2 L1, 3 L2
  opreg: 1 << 25,
  modrm: 1 << 26,
} as const;

/** Per-form flag bits (mirrored in packages/decoder/src/decoder.ts). */
export const FLAG_NAMES = [
  'lock', 'rep', 'repe', 'repne', 'xacquire', 'xrelease', 'bnd', 'notrack',
  'k', 'z', 'b', 'er', 'sae', 'knz', 'ignores-mod', 'do64', 'intel-fo64', 'no66',
  'ig-opmask', 'er-imm', 'no-er-sae', 'unique-reg-nums', 'unique-dest-reg-num', 'amd-lock-reg-bit', 'ignore-er', 'nop', 'res-nop', 'WIG32', 'no-f2f3',
] as const;

const TUPLE_TYPES = ['', 'N1', 'N2', 'N4', 'N8', 'N16', 'N32', 'N64', 'N4b2', 'N8b2', 'N16b2', 'N32b2', 'N64b2', 'N8b4', 'N16b4', 'N32b4', 'N64b4', 'N16b8', 'N32b8', 'N64b8'] as const;

const PP_IDS: Record<string, number> = { any: 0, NP: 1, '66': 2, F3: 3, F2: 4 };
const SIZE_IDS: Record<number, number> = { 0: 0, 16: 1, 32: 2, 64: 3 };

function formPriority(r: IsaRecord): number {
  // More specific forms first: fixed ModRM byte, then /digit, then /r; mandatory prefix before any.
  let p = 0;
  if (r.rm < 0) p += 4;
  if (r.reg < 0) p += 8;
  if (r.pp === 'any') p += 2;
  if (r.os === 0) p += 1;
  return p;
}

export interface GeneratedFile {
  readonly path: string;
  readonly content: string;
}

function header(file: string): string {
  return `// @generated by tools/gen-x86 from data/${file}. Do not edit.\n/* eslint-disable */\n`;
}

function u16Literal(a: readonly number[]): string {
  return a.join(',');
}

/** Builds all decoder output files from the ISA records. */
export function generateDecoder(records: readonly IsaRecord[]): GeneratedFile[] {
  const codes = records.map((r) => r.code);
  const mnemonics = ['INVALID', ...[...new Set(records.map((r) => r.mnemonic))].filter((m) => m !== 'INVALID').sort()];
  const memSizes = ['Unknown', ...[...new Set(records.flatMap((r) => [r.mem, r.bcst]))].filter((m) => m !== 'Unknown').sort()];
  const mnemonicId = new Map(mnemonics.map((m, i) => [m, i]));
  const memId = new Map(memSizes.map((m, i) => [m, i]));
  const opId = new Map<string, number>(OPERAND_ENCODINGS.map((m, i) => [m, i]));
  const tableId = new Map<string, number>(DISPATCH_TABLES.map((m, i) => [m, i]));

  const decodable = records
    .map((r, i) => ({ r, i }))
    .filter(({ r }) => r.decopt === '' && !r.flags.has('no-instr') && !r.flags.has('no-decode') && r.enc !== 'mvex' && r.code !== 'INVALID');
  // Intel 64 ignores 66 on near branches in 64-bit mode (SDM Vol. 2, JMP/Jcc/CALL/RET "In 64-bit
  // mode the operand size is fixed at 64 bits"): where a 64-bit form is marked intel-fo64, the
  // o16 sibling (same table/opcode/ModRM constraints) is not decodable in 64-bit mode.
  const fo64Keys = new Set<string>();
  const siblingKey = (r: IsaRecord): string => `${r.enc}/${r.map}/${r.op}/${r.reg}/${r.rm}/${r.mod}/${r.pp}/${r.as}`;
  for (const { r } of decodable) if (r.flags.has('intel-fo64')) fo64Keys.add(siblingKey(r));
  const modesOf = (r: IsaRecord): readonly number[] =>
    r.os === 16 && fo64Keys.has(siblingKey(r)) ? r.modes.filter((m) => m !== 64) : r.modes;
  interface Slot { table: number; op: number; r: IsaRecord; code: number }
  const slots: Slot[] = [];
  for (const { r, i } of decodable) {
    const key = `${r.enc}/${r.map}`;
    const t = tableId.get(key);
    if (t === undefined) throw new Error(`${r.code}: no dispatch table for ${key}`);
    const n = r.opreg ? 8 : 1;
    for (let k = 0; k < n; k++) slots.push({ table: t, op: r.op + k, r, code: i });
  }
  // Opcodes whose only forms need non-default decoder options still have a ModRM byte: the
  // decoder consumes it before reporting #UD so the length matches what the CPU would fetch.
  const modrmAnyOption = new Set<number>();
  const hasDefaultForm = new Set<number>();
  for (const s of slots) hasDefaultForm.add(s.table * 256 + s.op);
  for (const r of records) {
    const t = tableId.get(`${r.enc}/${r.map}`);
    if (t === undefined || !r.modrm || r.enc === 'mvex' || hasDefaultForm.has(t * 256 + r.op)) continue;
    const n = r.opreg ? 8 : 1;
    for (let k = 0; k < n; k++) modrmAnyOption.add(t * 256 + r.op + k);
  }
  slots.sort((a, b) => a.table - b.table || a.op - b.op || formPriority(a.r) - formPriority(b.r) || a.code - b.code);

  const start: number[] = new Array<number>(DISPATCH_TABLES.length * 256 + 1).fill(0);
  const hasModrm: number[] = new Array<number>(DISPATCH_TABLES.length * 256).fill(0);
  const fCode: number[] = [], fMnem: number[] = [], fMem: number[] = [], fBcst: number[] = [];
  const fMatch: number[] = [], fFlags: number[] = [], fOps: number[] = [], fOpCount: number[] = [], fTT: number[] = [];
  let si = 0;
  for (let idx = 0; idx < DISPATCH_TABLES.length * 256; idx++) {
    start[idx] = fCode.length;
    while (si < slots.length) {
      const s = slots[si];
      if (s === undefined || s.table * 256 + s.op !== idx) break;
      si++;
      const r = s.r;
      let mod = r.mod === 'mem' ? 1 : r.mod === 'reg' ? 2 : 0;
      if (!r.flags.has('ignores-mod')) {
        for (const o of r.ops) {
          if (MEM_ONLY.has(o)) mod = 1;
          if (REG_ONLY.has(o)) mod = 2;
        }
      }
      let m = 0;
      for (const md of modesOf(r)) m |= md === 16 ? 1 : md === 32 ? 2 : 4;
      m |= (PP_IDS[r.pp] ?? 0) << 3;
      m |= mod << 6;
      m |= (r.reg < 0 ? 15 : r.reg) << 8;
      m |= (r.rm < 0 ? 15 : r.rm) << 12;
      m |= (SIZE_IDS[r.os] ?? 0) << 16;
      m |= (SIZE_IDS[r.as] ?? 0) << 18;
      m |= (r.w === '0' ? 1 : r.w === '1' ? 2 : 0) << 20;
      m |= (r.l === '0' ? 1 : r.l === '1' ? 2 : r.l === '2' ? 3 : 0) << 22;
      if (r.opreg) m |= MATCH.opreg;
      if (r.modrm) { m |= MATCH.modrm; hasModrm[idx] = 1; }
      let fl = 0;
      FLAG_NAMES.forEach((f, bit) => { if (r.flags.has(f)) fl |= 1 << bit; });
      if (r.ops.length > 5) throw new Error(`${r.code}: too many operands`);
      for (let k = 0; k < 5; k++) {
        const o = r.ops[k] ?? 'none';
        const id = opId.get(o);
        if (id === undefined) throw new Error(`${r.code}: unknown operand encoding ${o}`);
        fOps.push(id);
      }
      const tt = TUPLE_TYPES.indexOf(r.tt.replace(/^tt=/, '') as (typeof TUPLE_TYPES)[number]);
      if (tt < 0) throw new Error(`${r.code}: unknown tuple type ${r.tt}`);
      fCode.push(s.code);
      fMnem.push(mnemonicId.get(r.mnemonic) ?? 0);
      fMem.push(memId.get(r.mem) ?? 0);
      fBcst.push(memId.get(r.bcst) ?? 0);
      fMatch.push(m >>> 0);
      fFlags.push(fl >>> 0);
      fOpCount.push(r.ops.length);
      fTT.push(tt);
    }
  }
  start[DISPATCH_TABLES.length * 256] = fCode.length;
  for (const idx of modrmAnyOption) hasModrm[idx] = 1;
  // VEX/EVEX/XOP opcodes with no form at all still fetch a ModRM byte before #UD.
  for (let t = 5; t < DISPATCH_TABLES.length; t++) {
    for (let op = 0; op < 256; op++) if (start[t * 256 + op] === start[t * 256 + op + 1]) hasModrm[t * 256 + op] = 1;
  }

  // Per-mode match slots. The decoder builds a key word from the prefixes/ModRM/VEX fields and a
  // slot matches when (key & SLOT_MASK) === SLOT_VALUE (layout: KEY in decoder.ts):
  //   0-2 mandatory prefix id, 3 mod!=3, 4 mod==3, 5-7 ModRM.reg, 8-10 ModRM.rm, 11-12 operand
  //   size id, 13-14 address size id, 15 W, 16-17 L, 18 EVEX.b with a register operand,
  //   19 REX.B on legacy opcode 90, 20 a legacy F2/F3 prefix is present (no-f2f3 forms: no match).
  // SLOT_OSSEL picks which operand size the key carries for this form: 0 prefix/mode default,
  // 1 default-64 (near branches, push/pop in 64-bit mode), 2 fixed 64 (Intel near branches),
  // 3 as if no 66 (66 is this form's mandatory prefix).
  const modeStart: number[] = [];
  const slotForm: number[] = [], slotMask: number[] = [], slotValue: number[] = [], slotOsSel: number[] = [];
  const nIdx = DISPATCH_TABLES.length * 256;
  for (const [mi, modeBit] of [1, 2, 4].entries()) {
    for (let idx = 0; idx < nIdx; idx++) {
      modeStart[mi * (nIdx + 1) + idx] = slotForm.length;
      const table = Math.floor(idx / 256);
      const op = idx % 256;
      for (let f = start[idx] ?? 0; f < (start[idx + 1] ?? 0); f++) {
        const m = fMatch[f] ?? 0;
        const fl = fFlags[f] ?? 0;
        if ((m & modeBit) === 0) continue;
        let mask = 0, value = 0;
        const pp = (m >> 3) & 7;
        if (pp !== 0) { mask |= 7; value |= pp; }
        const mod = (m >> 6) & 3;
        if (mod === 1) { mask |= 1 << 3; value |= 1 << 3; }
        if (mod === 2) { mask |= 1 << 4; value |= 1 << 4; }
        const reg = (m >> 8) & 15;
        if (reg !== 15) { mask |= 7 << 5; value |= reg << 5; }
        const rm = (m >> 12) & 15;
        if (rm !== 15) { mask |= 7 << 8; value |= rm << 8; }
        const os = (m >> 16) & 3;
        if (os !== 0) { mask |= 3 << 11; value |= os << 11; }
        const as = (m >> 18) & 3;
        if (as !== 0) { mask |= 3 << 13; value |= as << 13; }
        const w = (m >> 20) & 3;
        const wig32 = (fl & (1 << FLAG_NAMES.indexOf('WIG32'))) !== 0;
        if (w !== 0 && !(modeBit !== 4 && wig32)) { mask |= 1 << 15; value |= (w - 1) << 15; }
        const l = (m >> 22) & 7;
        if (l !== 0) { mask |= 3 << 16; value |= (l - 1) << 16; }
        const isEvex = table >= 8 && table <= 12;
        const erSae = (fl & ((1 << FLAG_NAMES.indexOf('er')) | (1 << FLAG_NAMES.indexOf('sae')))) !== 0;
        // EVEX.b with a register operand: only rounding/SAE forms match on the fast path (the
        // decoder then uses L'L as RC); others are found by the slow path with the real L'L.
        if (isEvex && !erSae) mask |= 1 << 18;
        if (table === 0 && op === 0x90 && pp === 0 && (m & MATCH.opreg) === 0) mask |= 1 << 19;
        if ((fl & (1 << FLAG_NAMES.indexOf('no-f2f3'))) !== 0) mask |= 1 << 20;
        let sel = 0;
        if (modeBit === 4 && (fl & (1 << FLAG_NAMES.indexOf('intel-fo64'))) !== 0) sel = 2;
        else if (modeBit === 4 && (fl & (1 << FLAG_NAMES.indexOf('do64'))) !== 0) sel = 1;
        else if (pp === 2) sel = 3;
        slotForm.push(f);
        slotMask.push(mask >>> 0);
        slotValue.push(value >>> 0);
        slotOsSel.push(sel);
      }
    }
    modeStart[mi * (nIdx + 1) + nIdx] = slotForm.length;
  }
  if (slotForm.length > 0xffff) throw new Error('too many slots for Uint16Array');
  // Packed copies for the decoder's hot path (one cache line per form / slot):
  // FORM_DATA stride 4: [code | mnemonic << 16, flags, mem | bcst << 8 | opCount << 16 | tuple << 19 | op4 << 24, op0 | op1 << 8 | op2 << 16 | op3 << 24]
  // SLOT_DATA stride 3: [mask, value, form | osSel << 16]
  const formData: number[] = [];
  for (let f = 0; f < fCode.length; f++) {
    const o = (k: number): number => fOps[f * 5 + k] ?? 0;
    if ((fCode[f] ?? 0) > 0xffff || (fMnem[f] ?? 0) > 0xffff || (fOpCount[f] ?? 0) > 7 || (fTT[f] ?? 0) > 31) throw new Error('FORM_DATA field overflow');
    formData.push(
      ((fCode[f] ?? 0) | ((fMnem[f] ?? 0) << 16)) | 0,
      (fFlags[f] ?? 0) | 0,
      ((fMem[f] ?? 0) | ((fBcst[f] ?? 0) << 8) | ((fOpCount[f] ?? 0) << 16) | ((fTT[f] ?? 0) << 19) | (o(4) << 24)) | 0,
      (o(0) | (o(1) << 8) | (o(2) << 16) | (o(3) << 24)) | 0,
    );
  }
  const slotData: number[] = [];
  for (let i = 0; i < slotForm.length; i++) slotData.push((slotMask[i] ?? 0) | 0, (slotValue[i] ?? 0) | 0, ((slotForm[i] ?? 0) | ((slotOsSel[i] ?? 0) << 16)) | 0);
  // Fixed-ModRM slots (e.g. DB E5) that only a non-default decoder option defines (Cyrix/287
  // extras) and no default form covers in a mode: #UD there; iced-x86 fetches one byte past the
  // ModRM byte, and the x86kit length convention for #UD matches that.
  // Entry: table << 16 | opcode << 8 | ModRM byte, | mode mask (16=1, 32=2, 64=4) << 25.
  const optionOnly: number[] = [];
  const fixedKey = (t: number, r: IsaRecord): number => (t << 16) | (r.op << 8) | 0xc0 | (r.reg << 3) | r.rm;
  const defaultModes = new Map<number, number>();
  for (const sl of slots) {
    const r = sl.r;
    if (r.enc !== 'legacy' || !(r.mod === 'reg' && r.reg >= 0 && r.rm >= 0)) continue;
    let mm = 0;
    for (const md of modesOf(r)) mm |= md === 16 ? 1 : md === 32 ? 2 : 4;
    const k = fixedKey(sl.table, r);
    defaultModes.set(k, (defaultModes.get(k) ?? 0) | mm);
  }
  const undecodable = new Map<number, number>();
  for (const r of records) {
    if (r.enc !== 'legacy' || !r.modrm || !(r.mod === 'reg' && r.reg >= 0 && r.rm >= 0) || r.flags.has('no-decode')) continue;
    const t = tableId.get(`${r.enc}/${r.map}`);
    if (t === undefined) continue;
    const k = fixedKey(t, r);
    // Only option-gated slots: forms missing in a mode (SWAPGS, UIRET outside 64-bit) are not
    // consistently handled that way by iced-x86, so they keep the plain through-ModRM length.
    const missing = 7 & ~modesOf(r).reduce((a, md) => a | (md === 16 ? 1 : md === 32 ? 2 : 4), 0);
    const modes = r.decopt !== '' ? 7 : r.flags.has('ud-extra-byte') ? missing : 0;
    undecodable.set(k, (undecodable.get(k) ?? 0) | modes);
  }
  for (const [k, m] of undecodable) {
    const mm = m & ~(defaultModes.get(k) ?? 0);
    if (mm !== 0) optionOnly.push(k | (mm << 25));
  }
  optionOnly.sort((x, y) => x - y);

  const src = 'isa.txt';
  const enumFile = (name: string, names: readonly string[], doc: string): string => {
    let s = `/**\n * ${doc}\n */\nexport const ${name} = {\n`;
    names.forEach((n, i) => { s += `  ${n}: ${i},\n`; });
    s += `} as const;\n/** A {@link ${name}} value. */\nexport type ${name} = (typeof ${name})[keyof typeof ${name}];\n`;
    s += `/** Names of {@link ${name}} values, indexed by value. */\nexport const ${name.charAt(0).toLowerCase()}${name.slice(1)}Names: readonly string[] = ${JSON.stringify(names)};\n`;
    return s;
  };
  const enums =
    header(src) +
    enumFile('Code', codes, 'Instruction form: one value per (mnemonic, operand form, encoding). Names follow the iced-x86 vocabulary (`Add_rm32_r32`, `EVEX_Vaddps_zmm_k1z_zmm_zmmm512b32_er`), numbers are x86kit\'s own.') +
    '\n' +
    enumFile('Mnemonic', mnemonics, 'Instruction mnemonic (iced-x86 names: `Add`, `Jne`, `Vaddps`).') +
    '\n' +
    enumFile('MemorySize', memSizes, 'Size and element type of a memory operand (iced-x86 names: `UInt32`, `Packed128_Float32`, `Broadcast512_Float32`).');

  const tables =
    header(src) +
    `// ${fCode.length} decodable form slots in ${DISPATCH_TABLES.length} dispatch tables (${DISPATCH_TABLES.join(', ')}).\n` +
    `/** First form index of each (table * 256 + opcode); the forms of a slot end where the next slot begins. */\n` +
    `export const DISPATCH_START = new Uint16Array([${u16Literal(start)}]);\n` +
    `/** 1 when any form of (table * 256 + opcode) has a ModRM byte. */\n` +
    `export const DISPATCH_MODRM = new Uint8Array([${u16Literal(hasModrm)}]);\n` +
    `/** Per form, 4 words: code | mnemonic << 16; flags; mem | bcst << 8 | opCount << 16 | tuple << 19 | op4 << 24; op0..op3 bytes. */\n` +
    `export const FORM_DATA = new Int32Array([${u16Literal(formData)}]);\n` +
    `export const FORM_MATCH = new Uint32Array([${u16Literal(fMatch)}]);\n` +
    `/** Per mode (16, 32, 64): first slot of each (table * 256 + opcode), ${nIdx + 1} entries per mode. */\n` +
    `export const MODE_DISPATCH = new Uint16Array([${u16Literal(modeStart)}]);\n` +
    `/** Per slot, 3 words: mask, value, form | osSel << 16. */\n` +
    `export const SLOT_DATA = new Int32Array([${u16Literal(slotData)}]);\n` +

    `/** Fixed-ModRM #UD slots per mode (see generator): table << 16 | opcode << 8 | ModRM | modes << 25. */\n` +
    `export const OPTION_ONLY_SLOTS = new Int32Array([${u16Literal([...new Set(optionOnly)])}]);\n` +
    `/** Operand encoding ids used in FORM_OPS. */\nexport const OperandEncoding = {\n${OPERAND_ENCODINGS.map((o, i) => `  ${o}: ${i},`).join('\n')}\n} as const;\n` +
    `/** Tuple types (EVEX disp8*N) used in FORM_TUPLE. */\nexport const TupleType = {\n${TUPLE_TYPES.map((o, i) => `  ${o === '' ? 'None' : o}: ${i},`).join('\n')}\n} as const;\n` +
    `/** Form flag bits used in FORM_FLAGS. */\nexport const FormFlag = {\n${FLAG_NAMES.map((o, i) => `  ${o.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase())}: ${(1 << i) >>> 0},`).join('\n')}\n} as const;\n`;
  return [
    { path: 'packages/decoder/src/generated/enums.ts', content: enums },
    { path: 'packages/decoder/src/generated/tables.ts', content: tables },
  ];
}
