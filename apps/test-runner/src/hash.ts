/**
 * Stable hashing for deterministic shards: FNV-1a (32-bit) over the UTF-8 bytes of a case
 * key. The same case lands in the same shard on every machine and every run, independent
 * of enumeration order, so a CI matrix can split the work with `--shard i/n`.
 */

/** FNV-1a 32-bit hash of a string's UTF-8 bytes, as uint32. */
export function fnv1a32(s: string): number {
  const bytes = Buffer.from(s, 'utf8');
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A shard: `index` in `[0, count)`. Parsed from the CLI's 1-based `i/n`. */
export interface Shard {
  index: number;
  count: number;
}

/** True when case `key` (`suite/caseId`) belongs to `shard`. */
export function inShard(key: string, shard: Shard): boolean {
  return shard.count <= 1 || fnv1a32(key) % shard.count === shard.index;
}

/** Deterministic PRNG (mulberry32) for suites with generated cases. */
export function mulberry32(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
