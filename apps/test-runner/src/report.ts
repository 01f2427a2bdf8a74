/**
 * Reporters: the per-suite summary table, the closing line, JSON and JUnit XML output, and the
 * progress display (a bar on a TTY, plain lines otherwise).
 */
import type { BenchEnvironment } from '@x86kit/bench';
import type { CaseRecord, ProgressEvent, RunReport } from './runner.js';

/** Pass percentage over decided cases (skips excluded); `-` when nothing ran. */
export function passPercent(passed: number, failed: number): string {
  const n = passed + failed;
  return n === 0 ? '-' : `${((100 * passed) / n).toFixed(n === passed ? 0 : 2)}%`;
}

function fmtMs(ms: number): string {
  return ms < 1000 ? `${ms.toFixed(0)}ms` : `${(ms / 1000).toFixed(1)}s`;
}

/** The summary table (one row per suite, plus sub-check totals where suites bundle checks). */
export function formatSummary(r: RunReport): string {
  const head = ['suite', 'cases', 'passed', 'failed', 'skipped', 'pass %', 'checks passed/failed/skipped', 'time'];
  const rows: string[][] = [head];
  for (const s of r.suites) {
    const c = s.checks;
    const bundled = c.passed + c.failed + c.skipped > 0;
    rows.push([
      s.name, String(s.cases.length), String(s.passed), String(s.failed), String(s.skipped),
      passPercent(s.passed, s.failed),
      bundled ? `${c.passed}/${c.failed}/${c.skipped} (${passPercent(c.passed, c.failed)})` : '',
      fmtMs(s.ms),
    ]);
  }
  const widths = head.map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const lines = rows.map((row) => row.map((cell, i) => (i === 0 || i === 6 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ').trimEnd());
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  for (const s of r.suites) if (s.unavailable !== undefined) lines.push(`note: ${s.name}: ${s.unavailable}`);
  if (r.stoppedEarly) lines.push('note: stopped early (--max-failures); unrun cases are counted as skipped');
  if (r.shard.count > 1) lines.push(`note: shard ${r.shard.index + 1}/${r.shard.count}`);
  return `${lines.join('\n')}\n`;
}

/** The closing line `N passed, N failed`. */
export function closingLine(r: RunReport): string {
  return `${r.passed} passed, ${r.failed} failed`;
}

/** Failure lines (suite/id: first message line), at most `limit`. */
export function formatFailures(r: RunReport, limit = 50): string {
  const out: string[] = [];
  let n = 0;
  for (const s of r.suites) {
    for (const c of s.cases) {
      if (c.status !== 'fail') continue;
      if (n++ < limit) out.push(`FAIL ${s.name}/${c.id}: ${(c.message ?? '').split('\n')[0]}`);
    }
  }
  if (n > limit) out.push(`... and ${n - limit} more failures (see --json / --junit)`);
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

function xmlEscape(s: string): string {
  // Characters XML 1.0 forbids even escaped are dropped.
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function junitCase(suite: string, c: CaseRecord): string {
  const open = `    <testcase classname="${xmlEscape(suite)}" name="${xmlEscape(c.id)}" time="${(c.ms / 1000).toFixed(3)}"`;
  const msg = c.message ?? '';
  if (c.status === 'pass') return `${open}/>`;
  if (c.status === 'skip') return `${open}>\n      <skipped message="${xmlEscape(msg.split('\n')[0])}"/>\n    </testcase>`;
  return `${open}>\n      <failure message="${xmlEscape(msg.split('\n')[0])}">${xmlEscape(msg)}</failure>\n    </testcase>`;
}

/** JUnit XML (the common Jenkins/GitLab/GitHub dialect: testsuites > testsuite > testcase). */
export function toJUnit(r: RunReport): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="x86kit-test" tests="${r.passed + r.failed + r.skipped}" failures="${r.failed}" skipped="${r.skipped}" time="${(r.ms / 1000).toFixed(3)}">`];
  for (const s of r.suites) {
    out.push(`  <testsuite name="${xmlEscape(s.name)}" tests="${s.cases.length}" failures="${s.failed}" errors="0" skipped="${s.skipped}" time="${(s.ms / 1000).toFixed(3)}">`);
    for (const c of s.cases) out.push(junitCase(s.name, c));
    out.push('  </testsuite>');
  }
  out.push('</testsuites>', '');
  return out.join('\n');
}

/** JSON output: the report object, pretty-printed. */
export function toJson(r: RunReport, environment?: BenchEnvironment): string {
  return `${JSON.stringify(environment === undefined ? r : { ...r, environment }, null, 1)}\n`;
}

/**
 * Progress display. On a TTY: one self-rewriting bar per suite. Otherwise: a line per failed
 * case and a line at every 10 % of each suite, so CI logs stay short and greppable.
 */
export class Progress {
  private readonly out: (t: string) => void;
  private readonly tty: boolean;
  private lastDecile = -1;
  private lastDraw = 0;
  private failed = 0;
  /** FAIL lines printed per suite before the rest are only counted (logs stay readable). */
  static readonly MAX_FAIL_LINES = 25;
  constructor(out: (t: string) => void, tty: boolean) {
    this.out = out;
    this.tty = tty;
  }
  suiteStart(suite: string, total: number, unavailable: string | undefined): void {
    this.lastDecile = -1;
    this.failed = 0;
    if (unavailable !== undefined) this.out(`${suite}: skipped: ${unavailable}\n`);
    else this.out(`${suite}: ${total} cases\n`);
  }
  update(e: ProgressEvent): void {
    if (e.record.status === 'fail') {
      this.failed++;
      if (this.failed <= Progress.MAX_FAIL_LINES) {
        if (this.tty) this.out('\r\x1b[K');
        this.out(`FAIL ${e.suite}/${e.record.id}: ${(e.record.message ?? '').split('\n')[0]}\n`);
        if (this.failed === Progress.MAX_FAIL_LINES) this.out(`(further ${e.suite} failures are counted, not listed; see --json / --junit)\n`);
      }
    }
    if (this.tty) {
      const now = performance.now();
      if (e.done !== e.total && now - this.lastDraw < 50) return;
      this.lastDraw = now;
      const width = 30;
      const fill = Math.round((width * e.done) / Math.max(1, e.total));
      this.out(`\r\x1b[K${e.suite} [${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${e.done}/${e.total} ${this.failed} failed`);
      if (e.done === e.total) this.out('\n');
      return;
    }
    const decile = Math.floor((10 * e.done) / Math.max(1, e.total));
    if (decile !== this.lastDecile && (decile > 0 || e.done === e.total)) {
      this.lastDecile = decile;
      this.out(`${e.suite}: ${e.done}/${e.total} (${this.failed} failed)\n`);
    }
  }
}
