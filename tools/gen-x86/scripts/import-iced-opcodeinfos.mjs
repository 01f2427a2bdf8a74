#!/usr/bin/env node
// ONE-OFF BOOTSTRAP SCRIPT (already run; kept for provenance, not part of the build).
//
// Converts the MIT-licensed iced test-data file `iced/Encoder/OpCodeInfos.txt.gz` (from the
// shared conformance directory, read in place) into x86kit's own ISA record format in
// `tools/gen-x86/data/isa.txt`. Only facts are carried over (Code/Mnemonic/MemorySize names,
// opcode bytes, prefixes, ModRM constraints, operand kinds, valid modes); no iced code is read
// or copied. After this conversion the data file is ours and is edited by hand; the generator
// (`src/decoder-gen.ts`) reads only `data/isa.txt`, never iced's file.
//
// Usage: node scripts/import-iced-opcodeinfos.mjs [conformanceDir] > data/isa.txt
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';

const dir = process.argv[2] ?? process.env.X86KIT_CONFORMANCE_DIR ?? join(import.meta.dirname, '../../../../shared/conformance');
const text = gunzipSync(readFileSync(join(dir, 'iced/Encoder/OpCodeInfos.txt.gz'))).toString('utf8');

const out = [];
out.push('# x86kit ISA description: one record per instruction form. See ../README.md ("ISA data format").');
out.push('# Bootstrapped once (scripts/import-iced-opcodeinfos.mjs) from facts in iced test data');
out.push('# Encoder/OpCodeInfos.txt (MIT, Copyright (C) 2018-present iced project and contributors);');
out.push('# cross-checked against the Intel SDM Vol. 2 opcode tables and AMD APM Vol. 3/4/5.');
out.push('#');
out.push('# <Code> <Mnemonic> enc=<legacy|vex|evex|xop|3dnow|mvex> map=<..> op=<hex> [key=value|flag]...');
for (const raw of text.split('\n')) {
  const line = raw.trim();
  if (line === '' || line.startsWith('#')) continue;
  const f = line.split(', ');
  if (f.length !== 11) throw new Error('bad line: ' + line);
  const [code, mnem, mem, bcst, encIn, mpIn, table, opcode, opstr, , flagStr] = f;
  const flags = flagStr.split(' ');
  const enc = { legacy: 'legacy', VEX: 'vex', EVEX: 'evex', XOP: 'xop', '3DNow!': '3dnow', MVEX: 'mvex' }[encIn];
  const rec = [code, mnem, `enc=${enc}`];
  const map = table === 'legacy' ? 'legacy' : table;
  rec.push(`map=${map}`);
  const toks = opstr.split(' ');
  let modrm = 'none';
  let opByte = opcode.slice(0, 2);
  let plusReg = false;
  const imms = [];
  let mod = '';
  let rmFixed = '';
  let regFixed = '';
  let l = '', w = '';
  const tail = opcode.slice(2);
  if (enc === '3dnow') {
    opByte = opcode.slice(0, 2);
    modrm = 'r';
  }
  for (const t of toks) {
    let m;
    if (/^(VEX|EVEX|XOP|MVEX)\./.test(t)) {
      for (const p of t.split('.').slice(1)) {
        if (/^(128|L0|LZ)$/.test(p)) l = '0';
        else if (/^(256|L1)$/.test(p)) l = '1';
        else if (p === '512') l = '2';
        else if (p === 'LIG') l = 'ig';
        else if (/^W[01]$/.test(p)) w = p.slice(1);
        else if (p === 'WIG') w = 'ig';
      }
    } else if (t === '/r' || t === '/vsib') modrm = 'r';
    else if ((m = /^\/([0-7])$/.exec(t))) { modrm = 'r'; regFixed = m[1]; }
    else if ((m = /^(ib|iw|id|io|cb|cw|cd|cp|mo)$/.exec(t))) imms.push(t);
    else if ((m = /^([0-9A-F]{2})\+(i|rb|rw|rd|ro)$/.exec(t))) {
      if (m[2] === 'i') { modrm = 'r'; mod = 'reg'; regFixed = String((parseInt(m[1], 16) >> 3) & 7); }
      else plusReg = true;
    } else if ((m = /^(!\(11\)|11):(rrr|[01]{3}):(bbb|[01]{3})$/.exec(t))) {
      modrm = 'r';
      mod = m[1] === '11' ? 'reg' : 'mem';
      if (m[2] !== 'rrr') regFixed = String(parseInt(m[2], 2));
      if (m[3] !== 'bbb') rmFixed = String(parseInt(m[3], 2));
    }
  }
  // A fixed ModRM byte (e.g. 0F 01 C8, DF E0) is encoded in the opcode column after the opcode
  // byte (legacy/0F maps; "+i" forms keep the low 3 bits free).
  const isPlusI = /\+i\b/.test(opstr);
  if (tail.length === 2 && !isPlusI && enc !== '3dnow') {
    const b = parseInt(tail, 16);
    modrm = 'r'; mod = 'reg'; regFixed = String((b >> 3) & 7); rmFixed = String(b & 7);
  }
  rec.push(`op=${opByte}`);
  const pp = mpIn === '' ? 'any' : mpIn;
  rec.push(`pp=${pp}`);
  if (plusReg) rec.push('opreg');
  if (modrm !== 'none') rec.push('modrm');
  if (mod) rec.push(`mod=${mod}`);
  if (regFixed) rec.push(`reg=${regFixed}`);
  if (rmFixed) rec.push(`rm=${rmFixed}`);
  if (l) rec.push(`L=${l}`);
  if (w) rec.push(`W=${w}`);
  for (const t of toks) if (/^[oa](16|32|64)$/.test(t)) rec.push(`${t[0] === 'o' ? 'os' : 'as'}=${t.slice(1)}`);
  if (toks.includes('NP') && pp !== 'NP') rec.push('pp=NP');
  if (imms.length) rec.push(`imm=${imms.join(',')}`);
  const ops = flags.find((x) => x.startsWith('op='));
  if (ops) rec.push(`ops=${ops.slice(3).replace(/;/g, ',')}`);
  if (mem !== 'Unknown') rec.push(`mem=${mem}`);
  if (bcst !== 'Unknown') rec.push(`bcst=${bcst}`);
  const modes = ['16', '32', '64'].filter((x) => flags.includes(x));
  rec.push(`modes=${modes.join(',') || 'none'}`);
  const keep = [];
  for (const x of flags) {
    if (/^(lock|rep|repe|repne|xacquire|xrelease|bnd|notrack|k|z|b|er|sae|knz|ignores-mod|no66|nop|res-nop|ig-opmask|do64|intel-fo64|fo64|er-imm|no-er-sae|ignore-er|unique-reg-nums|unique-dest-reg-num|no-instr|amd-lock-reg-bit|EH0|EH1|eh|ignore-seg|WIG32)$/.test(x)) keep.push(x);
    else if (x.startsWith('tt=')) rec.push(x);
    else if (x.startsWith('dec-opt=')) rec.push(`decopt=${x.slice(8)}`);
    else if (x.startsWith('mvex=')) rec.push(x);
  }
  if (keep.length) rec.push(`flags=${keep.join(',')}`);
  out.push(rec.join(' '));
}
process.stdout.write(out.join('\n') + '\n');
