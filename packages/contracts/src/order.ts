// Orderings shared by every module, so sorted output never depends on locale or on which module sorted:
// strings by UTF-16 code units (Array.prototype.sort's default order, as a comparator), bigints by value.

/** Strings by UTF-16 code units (no locale). */
export const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Bigints by value. */
export const compareBig = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);
