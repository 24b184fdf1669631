import { describe, expect, it } from 'vitest';
import { CURVE_QUANTILES, latencyCurve } from '../../bench/stats';

describe('latencyCurve', () => {
  it('gives the nearest-rank value at each quantile, min first and max last', () => {
    const values = Array.from({ length: 1000 }, (_, i) => 1000 - i);

    const curve = latencyCurve(values);

    expect(curve).toHaveLength(CURVE_QUANTILES.length);
    expect(curve[0]).toBe(1);
    expect(curve[50]).toBe(500);
    expect(curve[CURVE_QUANTILES.indexOf(0.99)]).toBe(990);
    expect(curve.at(-1)).toBe(1000);
  });

  it('throws on an empty sample rather than drawing zeros', () => {
    expect(() => latencyCurve([])).toThrow(RangeError);
  });
});
