/**
 * The set of code points a font covers, as sorted, disjoint, non-adjacent inclusive ranges.
 *
 * fontconfig prints a charset as hex ranges ("20-7e a0-17f 3000"). A CJK font has a few
 * thousand ranges, so a sorted flat array with binary search answers `has` in ~12 steps and
 * costs 8 bytes a range, where a Set of code points would hold tens of thousands of entries.
 */
export class CodePointSet {
  static readonly EMPTY = new CodePointSet(new Uint32Array(0));

  /** [start0, end0, start1, end1, ...], sorted and merged. */
  private constructor(private readonly bounds: Uint32Array) {}

  /**
   * Parses fontconfig's `%{charset}` text. Malformed tokens are skipped, not fatal: one odd font
   * must not hide the others. Hand-rolled rather than split + parseInt because every face's
   * charset is parsed at boot (a CJK font has thousands of ranges); this is ~5x faster.
   */
  static parseFontconfig(text: string): CodePointSet {
    const out: number[] = [];
    let sorted = true;
    let i = 0;
    const n = text.length;
    const hex = (): number => {
      let value = -1;
      for (; i < n; i++) {
        const c = text.charCodeAt(i);
        const digit = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
        if (digit < 0) break;
        value = value < 0 ? digit : value * 16 + digit;
        if (value > 0x10ffff) value = 0x110000;
      }
      return value;
    };
    while (i < n) {
      const start = hex();
      let end = start;
      if (i < n && text.charCodeAt(i) === 45 /* - */) {
        i++;
        end = hex();
      }
      const tokenEnd = i < n && text.charCodeAt(i) > 32 ? -1 : 0;
      // Skip to the next whitespace-separated token; anything left over makes this one malformed.
      while (i < n && text.charCodeAt(i) > 32) i++;
      while (i < n && text.charCodeAt(i) <= 32) i++;
      if (tokenEnd < 0 || start < 0 || end < start || end > 0x10ffff) continue;
      if (out.length > 0 && start <= out[out.length - 1]) sorted = false;
      out.push(start, end);
    }
    if (!sorted) return CodePointSet.fromRanges(pairsOf(out));
    return CodePointSet.fromSortedBounds(out);
  }

  /** Ranges already in ascending order (fontconfig prints them so): merges adjacent ones in one pass. */
  private static fromSortedBounds(bounds: number[]): CodePointSet {
    const merged: number[] = [];
    for (let k = 0; k < bounds.length; k += 2) {
      const last = merged.length - 1;
      if (last > 0 && bounds[k] <= merged[last] + 1) merged[last] = Math.max(merged[last], bounds[k + 1]);
      else merged.push(bounds[k], bounds[k + 1]);
    }
    return new CodePointSet(Uint32Array.from(merged));
  }

  static fromRanges(ranges: Iterable<readonly [number, number]>): CodePointSet {
    const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
    const merged: number[] = [];
    for (const [start, end] of sorted) {
      const last = merged.length - 1;
      if (last > 0 && start <= merged[last] + 1) merged[last] = Math.max(merged[last], end);
      else merged.push(start, end);
    }
    return new CodePointSet(Uint32Array.from(merged));
  }

  static union(sets: Iterable<CodePointSet>): CodePointSet {
    const ranges: Array<[number, number]> = [];
    for (const set of sets) ranges.push(...set.ranges());
    return CodePointSet.fromRanges(ranges);
  }

  get rangeCount(): number {
    return this.bounds.length / 2;
  }

  get size(): number {
    let total = 0;
    for (let i = 0; i < this.bounds.length; i += 2) total += this.bounds[i + 1] - this.bounds[i] + 1;
    return total;
  }

  has(codePoint: number): boolean {
    let lo = 0;
    let hi = this.rangeCount - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (codePoint < this.bounds[2 * mid]) hi = mid - 1;
      else if (codePoint > this.bounds[2 * mid + 1]) lo = mid + 1;
      else return true;
    }
    return false;
  }

  /** How many code points of [start, end] are in the set; script detection asks this of whole blocks. */
  countIn(start: number, end: number): number {
    let count = 0;
    for (let i = 0; i < this.bounds.length; i += 2) {
      const lo = Math.max(start, this.bounds[i]);
      const hi = Math.min(end, this.bounds[i + 1]);
      if (this.bounds[i] > end) break;
      if (lo <= hi) count += hi - lo + 1;
    }
    return count;
  }

  *ranges(): IterableIterator<[number, number]> {
    for (let i = 0; i < this.bounds.length; i += 2) yield [this.bounds[i], this.bounds[i + 1]];
  }
}

function pairsOf(bounds: number[]): Array<[number, number]> {
  const pairs: Array<[number, number]> = [];
  for (let k = 0; k < bounds.length; k += 2) pairs.push([bounds[k], bounds[k + 1]]);
  return pairs;
}
