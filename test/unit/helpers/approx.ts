import assert from 'node:assert/strict';

/** Asserts |actual − expected| ≤ eps (default 1 ns in ms). */
export function approx(
  actual: number | null | undefined,
  expected: number,
  message?: string,
  eps = 1e-6,
): void {
  assert.ok(
    typeof actual === 'number' && Math.abs(actual - expected) <= eps,
    `${message ?? 'value'}: expected ${expected}, got ${String(actual)}`,
  );
}
