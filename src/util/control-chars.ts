// Control characters (NUL, newline, …) have no place in names and paths a request hands us: they
// end C strings, split config lines and log lines. One test, without a control-character regex.
export function hasControlChar(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}
