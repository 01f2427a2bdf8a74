// Integrity of the committed corpus: metadata, checksums, counts, forms tables, and the published
// undefined-flag masks against iced's InstructionInfo vectors. Needs no native tool.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CAPTURE_CATEGORIES, captureCorpusDir } from './index.js';

interface Meta {
  format: string; version: number; seed: number; perForm: Record<string, number>;
  cpu: { vendor: string; family: number; model: number; stepping: number; microcode: string; modelName: string };
  kernel: string; determinism: { rerunSlice: string; inProcessDropped: number };
  files: { path: string; tests: number; forms: number; sha256: string }[];
}
interface FormRow { id: string; m: number; cat: string; enc: string; osz: number; asz: number; uf: number; ufDynamic?: string; iced?: string; note?: string }

const dir = captureCorpusDir();
const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as Meta;
const lines = (p: string): string[] => gunzipSync(readFileSync(p)).toString('utf8').split('\n').filter((l) => l !== '');
const forms = new Map<number, FormRow[]>();
for (const m of [16, 32, 64]) forms.set(m, lines(join(dir, `m${m}`, 'forms.jsonl.gz')).map((l) => JSON.parse(l) as FormRow));

describe('silicon corpus metadata', () => {
  it('names the format, the capturing CPU and a clean determinism check', () => {
    expect(meta.format).toBe('x86kit-silicon-corpus');
    expect(meta.version).toBe(1);
    expect(meta.cpu.vendor).toMatch(/^(AuthenticAMD|GenuineIntel)$/);
    expect(meta.cpu.family).toBeGreaterThan(5);
    expect(meta.cpu.microcode).toMatch(/^0x[0-9a-f]+$/);
    expect(meta.determinism.rerunSlice).toBe('identical');
    expect(meta.determinism.inProcessDropped).toBe(0);
  });

  it('lists every corpus file with its checksum, line count and form count', () => {
    const onDisk: string[] = [];
    for (const m of ['m16', 'm32', 'm64']) {
      for (const f of readdirSync(join(dir, m))) if (f !== 'forms.jsonl.gz') onDisk.push(`${m}/${f}`);
    }
    expect(meta.files.map((f) => f.path).sort()).toEqual(onDisk.sort());
    let total = 0;
    for (const f of meta.files) {
      const raw = readFileSync(join(dir, f.path));
      expect(createHash('sha256').update(raw).digest('hex'), f.path).toBe(f.sha256);
      const ls = gunzipSync(raw).toString('utf8').split('\n').filter((l) => l !== '');
      expect(ls.length, f.path).toBe(f.tests);
      const ids = new Set(ls.map((l) => (JSON.parse(l) as { id: string }).id));
      expect(ids.size, f.path).toBe(f.forms);
      total += f.tests;
    }
    expect(total).toBeGreaterThan(100_000);
  });

  it('keeps the committed corpus small (< 60 MB)', () => {
    let bytes = 0;
    for (const f of meta.files) bytes += readFileSync(join(dir, f.path)).length;
    expect(bytes).toBeLessThan(60 * 1024 * 1024);
  });
});

describe('forms tables', () => {
  it('every category file holds only forms of that category and mode, each with the configured test count', () => {
    for (const f of meta.files) {
      const [mdir, file] = f.path.split('/') as [string, string];
      const mode = Number(mdir.slice(1));
      const cat = file.replace('.jsonl.gz', '');
      expect(CAPTURE_CATEGORIES as readonly string[]).toContain(cat);
      const byId = new Map((forms.get(mode) ?? []).map((r) => [r.id, r]));
      const counts = new Map<string, number>();
      for (const l of lines(join(dir, f.path))) {
        const t = JSON.parse(l) as { id: string; m: number };
        expect(t.m).toBe(mode);
        expect(byId.get(t.id)?.cat, `${f.path}: ${t.id}`).toBe(cat);
        counts.set(t.id, (counts.get(t.id) ?? 0) + 1);
      }
      const fp = ['x87', 'mmx', 'sse', 'sse4', 'avx', 'avx2'].includes(cat);
      const want = mode === 16 ? (fp ? meta.perForm['fp16'] : meta.perForm['int16']) : (fp ? meta.perForm['fp'] : meta.perForm['int']);
      // a few tests per form may be dropped (non-deterministic, or a #PF on a host kernel address)
      for (const [id, n] of counts) {
        expect(n, `${f.path}: ${id}`).toBeLessThanOrEqual(want ?? 0);
        expect(n, `${f.path}: ${id}`).toBeGreaterThanOrEqual(Math.floor((want ?? 0) * 0.8));
      }
    }
  });

  it('form ids are unique per mode and encodings are documented', () => {
    for (const [m, rows] of forms) {
      expect(new Set(rows.map((r) => r.id)).size, `m${m}`).toBe(rows.length);
      for (const r of rows) expect(r.enc.length).toBeGreaterThan(1);
    }
  });

  it('64-bit mode has no BCD/INC-r/PUSHA forms that decode differently, 16/32-bit have no REX-only forms', () => {
    const ids64 = new Set((forms.get(64) ?? []).map((r) => r.id));
    expect(ids64.has('daa')).toBe(false);
    expect(ids64.has('pusha o32')).toBe(false);
    expect(ids64.has('add Ev,Gv o64')).toBe(true);
    const ids32 = new Set((forms.get(32) ?? []).map((r) => r.id));
    expect(ids32.has('daa')).toBe(true);
    expect(ids32.has('add Ev,Gv o64')).toBe(false);
  });
});

// iced InstructionInfo vectors: `fu=` lists the flags iced (from the SDM) calls undefined.
const conf = process.env['X86KIT_CONFORMANCE_DIR'] ?? join(dir, '..', '..', '..', '..', 'shared', 'conformance');
const icedDir = join(conf, 'iced', 'InstructionInfo');
describe.skipIf(!existsSync(icedDir))('undefined-flag masks vs iced InstructionInfo', () => {
  const bit: Record<string, number> = { o: 0x800, s: 0x80, z: 0x40, a: 0x10, p: 0x4, c: 0x1 };
  it.each([16, 32, 64])('mode %i: every form with an iced Code agrees (union over iced vectors)', (mode) => {
    const icedMask = new Map<string, number>();
    const text = gunzipSync(readFileSync(join(icedDir, `InstructionInfoTest_${mode}.txt.gz`))).toString('utf8');
    for (const line of text.split('\n')) {
      const parts = line.split(',');
      const code = parts[1]?.trim();
      if (code === undefined) continue;
      let m = icedMask.get(code) ?? 0;
      const fu = /\bfu=([a-z]+)/.exec(line);
      if (fu?.[1] !== undefined) for (const ch of fu[1]) m |= bit[ch] ?? 0;
      icedMask.set(code, m);
    }
    let checked = 0;
    const bad: string[] = [];
    for (const r of forms.get(mode) ?? []) {
      if (r.iced === undefined) continue;
      const m = icedMask.get(r.iced);
      if (m === undefined) continue;
      checked++;
      if (m !== r.uf) bad.push(`${r.id}: ours ${r.uf.toString(16)} iced ${m.toString(16)}`);
    }
    expect(bad).toEqual([]);
    expect(checked).toBeGreaterThan(mode === 64 ? 250 : mode === 32 ? 60 : 30);
  });
});
if (!existsSync(icedDir)) console.warn(`iced InstructionInfo not found at ${icedDir}: undefined-flag cross-check skipped`);
