#!/usr/bin/env node
// Check guests.json's reference claims against fresh reference runs (never needed by tests or CI):
//
//   guests/run-qemu.sh -o /tmp/q && guests/run-bochs.sh -o /tmp/b
//   node guests/check-references.mjs qemu-7.2-tcg=/tmp/q bochs-2.7=/tmp/b
//
// For every guest and reference directory: a reference listed in "verified" must print
// expected/NAME.txt byte for byte with exit status 1 (or the entry's exitStatus); any other
// reference must differ from the expected output in exactly the checks its "disagreements"
// entry lists (a listed check printing FAIL where the expectation has PASS; FAIL detail lines,
// which start with two spaces, and the SUMMARY line are not compared). Prints one line per guest
// and reference and exits 1 when a claim does not hold.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const { guests } = JSON.parse(readFileSync(join(here, 'guests.json'), 'utf8'));
const refs = process.argv.slice(2).map((a) => a.split('='));
if (refs.length === 0 || refs.some((r) => r.length !== 2)) {
  console.error('usage: node guests/check-references.mjs REFERENCE=DIR... (e.g. qemu-7.2-tcg=/tmp/q bochs-2.7=/tmp/b)');
  process.exit(2);
}
const checkLines = (text) => text.split('\n').filter((l) => !l.startsWith('  ') && !l.startsWith('SUMMARY:'));
let bad = 0;
for (const g of guests) {
  const expected = readFileSync(join(here, g.expected), 'utf8');
  for (const [ref, dir] of refs) {
    const outPath = join(dir, `${g.name}.txt`);
    if (!existsSync(outPath)) { console.log(`${g.name} on ${ref}: no output in ${dir}`); bad++; continue; }
    const out = readFileSync(outPath, 'utf8');
    const status = Number(readFileSync(join(dir, `${g.name}.status`), 'utf8').trim());
    let verdict;
    if ((g.verified ?? []).includes(ref)) {
      verdict = out === expected && status === g.exitStatus ? 'ok: matches' : `CLAIM BROKEN: listed as verified but ${out === expected ? `exit status ${status}` : 'the output differs'}`;
    } else {
      const listed = new Set(Object.keys(g.disagreements?.[ref] ?? {}));
      const want = checkLines(expected).map((l) => (l.startsWith('PASS: ') && listed.has(l.slice(6)) ? `FAIL: ${l.slice(6)}` : l));
      const got = checkLines(out).map((l) => {
        for (const name of listed) if (l === `FAIL: ${name}` || l.startsWith(`FAIL: ${name} (got `)) return `FAIL: ${name}`;
        return l;
      });
      const same = want.length === got.length && want.every((l, i) => l === got[i]);
      verdict = listed.size === 0
        ? 'CLAIM BROKEN: neither verified nor with listed disagreements'
        : same ? `ok: differs in exactly the ${listed.size} listed check(s)` : 'CLAIM BROKEN: differs from the expected output in other lines than the listed checks';
    }
    if (verdict.startsWith('CLAIM')) bad++;
    console.log(`${g.name} on ${ref}: ${verdict}`);
  }
}
process.exit(bad === 0 ? 0 : 1);
