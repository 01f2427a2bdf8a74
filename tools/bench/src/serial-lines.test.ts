import { describe, expect, test } from 'vitest';
import { serialLines, timeSegments } from './serial-lines.js';

const marks = [...'a\r\nbb\ncc\nd'].map((c, i) => ({ byte: c.charCodeAt(0), timeMs: 10 * i, counter: 100 * i }));

describe('serial lines', () => {
  test('split at newlines with the time and counter of each newline', () => {
    expect(serialLines(marks)).toEqual([
      { text: 'a', timeMs: 20, counter: 200 },
      { text: 'bb', timeMs: 50, counter: 500 },
      { text: 'cc', timeMs: 80, counter: 800 },
    ]);
  });

  test('segments are timed between their lines; a missing line names the segment', () => {
    const lines = serialLines(marks);
    expect(timeSegments(lines, [{ name: 'x', after: /^a$/, until: /^cc$/ }])).toEqual([{ name: 'x', ms: 60, counted: 600 }]);
    expect(() => timeSegments(lines, [{ name: 'y', after: /^cc$/, until: /^a$/ }])).toThrow(/line matching \/\^a\$\/ after .*segment "y"/);
  });
});
