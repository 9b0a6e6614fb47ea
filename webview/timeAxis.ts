import { axisTop } from 'd3-axis';
import type { NumberValue, ScaleLinear } from 'd3-scale';
import type { Selection } from 'd3-selection';

/**
 * Tick labels in one unit with as many decimals as the tick step needs, so neighbouring ticks
 * never print the same text (fmtMs alone would round 1.2301 s and 1.2302 s alike).
 */
export function timeTickFormat(step: number): (t: NumberValue) => string {
  const decimals = (v: number): number => Math.max(0, Math.min(6, -Math.floor(Math.log10(v) + 1e-9)));
  if (step >= 100) {
    const d = decimals(step / 1000);
    return (t) => `${(+t / 1000).toFixed(d)} s`;
  }
  if (step >= 0.1) {
    const d = decimals(step);
    return (t) => `${(+t).toFixed(d)} ms`;
  }
  const d = decimals(step * 1000);
  return (t) => `${(+t * 1000).toFixed(d)} µs`;
}

/** Ticks for a scale `width` pixels wide: about one per 100 px. */
export function timeTicks(x: ScaleLinear<number, number>, width: number): number[] {
  return x.ticks(Math.max(2, Math.floor(width / 100)));
}

/** Draws (or updates) a top axis for `x` into an SVG group. */
export function drawTimeAxis(
  g: Selection<SVGGElement, unknown, null, undefined>,
  x: ScaleLinear<number, number>,
  ticks: number[],
): void {
  const step = ticks.length > 1 ? ticks[1] - ticks[0] : Math.abs(x.domain()[1] - x.domain()[0]) || 1;
  g.call(axisTop(x).tickValues(ticks).tickFormat(timeTickFormat(step)).tickSizeOuter(0).tickSize(4));
}
