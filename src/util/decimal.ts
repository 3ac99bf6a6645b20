// Ordering of non-negative decimal integer strings (int64 nanosecond timestamps), without BigInt:
// list sorts compare thousands of pairs per call.

/** <0, 0 or >0 as a is below, equal to or above b; leading zeros are ignored. */
export function compareDecimal(a: string, b: string): number {
  if (a.length !== b.length) {
    a = stripZeros(a);
    b = stripZeros(b);
    if (a.length !== b.length) return a.length - b.length;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

function stripZeros(s: string): string {
  let i = 0;
  while (i < s.length - 1 && s.charCodeAt(i) === 48) i++;
  return i ? s.slice(i) : s;
}
