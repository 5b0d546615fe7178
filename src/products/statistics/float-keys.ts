/**
 * Order-preserving integer keys of IEEE floats: a float32's bits become a uint32 whose
 * unsigned order is the float order (-Inf < negatives < -0 < +0 < positives < +Inf; NaNs
 * sit beyond the infinities and are filtered before). Selecting a rank among keys by
 * histograms of their high then low 16 bits is therefore an exact selection among the
 * floats: the basis of exact medians in a fixed number of passes over a file.
 */

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** Exponent bits all ones: Inf or NaN. */
export const EXPONENT_MASK_32 = 0x7f800000;

/** The key of a float32 given by its bits (negative: all bits flipped; positive: sign bit set). */
export function keyOfBits32(bits: number): number {
  return (bits & 0x80000000) !== 0 ? ~bits >>> 0 : (bits | 0x80000000) >>> 0;
}

export function bitsOfKey32(key: number): number {
  return (key & 0x80000000) !== 0 ? (key & 0x7fffffff) >>> 0 : ~key >>> 0;
}

export function float32Bits(value: number): number {
  F32[0] = value;
  return U32[0] ?? 0;
}

export function float32FromBits(bits: number): number {
  U32[0] = bits;
  return F32[0] ?? Number.NaN;
}

export function float32Key(value: number): number {
  return keyOfBits32(float32Bits(value));
}

export function float32FromKey(key: number): number {
  return float32FromBits(bitsOfKey32(key));
}

/** The largest float32 not above `value` (a float64); `value` itself when it is a float32. */
export function float32AtOrBelow(value: number): number {
  const rounded = Math.fround(value);
  if (rounded <= value) return rounded;
  return float32FromKey(float32Key(rounded) - 1);
}

/** numpy's median of two middle float32 values: their sum and its half, each rounded to float32. */
export function float32Midpoint(a: number, b: number): number {
  return a === b ? a : Math.fround(Math.fround(a + b) / 2);
}
