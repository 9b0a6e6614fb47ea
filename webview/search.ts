/** Binary searches over ascending numeric arrays (typed or not), bounded by `n`. */

/** First index whose value is greater than x. */
export function upperBound(a: ArrayLike<number>, x: number, n = a.length): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose value is at least x. */
export function lowerBound(a: ArrayLike<number>, x: number, n = a.length): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
