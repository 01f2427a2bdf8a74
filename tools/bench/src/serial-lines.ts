/**
 * Timestamped serial output as lines: a guest that prints a line after each phase of its work
 * (like `guests/bin/bench.elf`) can be timed per phase from the moments its newlines arrive.
 */
import type { SerialMark } from './bench-loops.js';

/** One line of guest output and the host time / engine counter when its `\n` was written. */
export interface SerialLine {
  readonly text: string;
  readonly timeMs: number;
  readonly counter: number;
}

/** Split marks into complete lines (a trailing partial line is dropped; `\r` is removed). */
export function serialLines(marks: readonly SerialMark[]): SerialLine[] {
  const lines: SerialLine[] = [];
  let text = '';
  for (const m of marks) {
    if (m.byte === 0x0a) {
      lines.push({ text, timeMs: m.timeMs, counter: m.counter });
      text = '';
    } else if (m.byte !== 0x0d) {
      text += String.fromCharCode(m.byte);
    }
  }
  return lines;
}

/** A phase of a guest run: from the line matching `after` to the line matching `until`. */
export interface SerialSegment {
  readonly name: string;
  readonly after: RegExp;
  readonly until: RegExp;
}

/** One timed phase. */
export interface SegmentTiming {
  readonly name: string;
  readonly ms: number;
  /** The engine's counter difference between the two lines (NaN when it has none). */
  readonly counted: number;
}

/** Time each segment; throws naming the segment when its start or end line is missing. */
export function timeSegments(lines: readonly SerialLine[], segments: readonly SerialSegment[]): SegmentTiming[] {
  return segments.map((s) => {
    const a = lines.findIndex((l) => s.after.test(l.text));
    const b = a < 0 ? -1 : lines.findIndex((l, i) => i > a && s.until.test(l.text));
    if (a < 0 || b < 0) throw new Error(`serial output has no ${a < 0 ? `line matching ${s.after}` : `line matching ${s.until} after ${s.after}`} (segment "${s.name}")`);
    return { name: s.name, ms: lines[b].timeMs - lines[a].timeMs, counted: lines[b].counter - lines[a].counter };
  });
}
