// The order DIB runs and sources hook files in. dib-run-parts lists a phase directory and
// pipes the names through `LANG=C sort -n`; environment.d files are piped through the same
// command but as full paths, which all start with "/" and so all have the numeric key 0 —
// they end up in plain byte order. Both orders are reproduced here without running sort.

/** C-locale byte order (strcmp). Names kiln orders are ASCII, where UTF-16 order is byte order. */
export function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * `LANG=C sort -n` on script names: compare the leading integer (after optional blanks and
 * one '-'; no digits means 0, so "-x", "x" and "0x" tie), then the whole name byte by byte
 * (sort's last-resort comparison). "9-a" < "10-a" < "010-b", and "z" < "1-a".
 */
export function runPartsOrder(a: string, b: string): number {
  return compareLeadingNumber(a, b) || byteOrder(a, b);
}

/** The order dib-run-parts sources environment.d files in: byte order of the names. */
export const environmentOrder = byteOrder;

function compareLeadingNumber(a: string, b: string): number {
  const x = leadingNumber(a);
  const y = leadingNumber(b);
  if (x.sign !== y.sign) return x.sign - y.sign;
  if (x.sign === 0) return 0;
  // Arbitrary-length magnitudes, as sort compares them: more digits is bigger, then digit by digit.
  const mag = x.digits.length - y.digits.length || byteOrder(x.digits, y.digits);
  return x.sign * mag;
}

function leadingNumber(s: string): { sign: -1 | 0 | 1; digits: string } {
  let i = 0;
  while (s[i] === ' ' || s[i] === '\t') i++;
  const negative = s[i] === '-';
  if (negative) i++;
  while (s[i] === '0') i++;
  let j = i;
  while (j < s.length && s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57) j++;
  const digits = s.slice(i, j);
  return { sign: digits === '' ? 0 : negative ? -1 : 1, digits };
}
