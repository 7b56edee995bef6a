/**
 * Comparing secrets (CSRF values, signatures, operator tokens) in time that
 * depends only on their lengths, never on where they first differ.
 */
const encoder = new TextEncoder()

export const equal = (a: string, b: string): boolean => {
  const x = encoder.encode(a)
  const y = encoder.encode(b)
  // Walk the longer one in full so a length mismatch costs the same as a late difference.
  const n = Math.max(x.length, y.length)
  let diff = x.length ^ y.length
  for (let i = 0; i < n; i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0)
  return diff === 0
}
