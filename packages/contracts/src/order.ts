// Orderings shared by every module, so sorted output never depends on locale or on which module sorted,
// and sorts as Python sorts: strings by Unicode code point (Python's str order, which is also UTF-8
// byte order), bigints by value. RFC 8785's key order (UTF-16 code units) is canonical.ts's own.

/**
 * A UTF-16 code unit moved so that plain comparison gives code point order: surrogates (which only
 * occur in pairs for code points past U+FFFF) sort after U+E000..U+FFFF instead of before them.
 */
const codePointRank = (unit: number): number => (unit < 0xd800 ? unit : unit >= 0xe000 ? unit - 0x800 : unit + 0x2000);

/** A code unit the two orders can disagree on: they differ only where one string's first differing unit is a
 * surrogate and the other's is in U+E000..U+FFFF, so a string without any such unit sorts natively. */
const HIGH_UNIT = /[\ud800-\uffff]/;

/** Strings by Unicode code point (no locale), as Python's `sorted` orders `str`. */
export const compareText = (a: string, b: string): number => {
  if (a === b) return 0;
  // The native comparison is several times faster on keys sharing a long prefix (references, pointers).
  if (!HIGH_UNIT.test(a) || !HIGH_UNIT.test(b)) return a < b ? -1 : 1;
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index += 1) {
    const left = a.charCodeAt(index);
    const right = b.charCodeAt(index);
    if (left !== right) return codePointRank(left) < codePointRank(right) ? -1 : 1;
  }
  return a.length < b.length ? -1 : 1;
};

/** Bigints by value. */
export const compareBig = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);
