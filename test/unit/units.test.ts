import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fmtX } from '../../src/core/report/units';

describe('fmtX', () => {
  test('two decimals below 10, none from 10', () => {
    assert.equal(fmtX(1.234), '1.23×');
    assert.equal(fmtX(0.05), '0.05×');
    assert.equal(fmtX(12.4), '12×');
  });

  test('a ratio under 0.01 keeps two significant digits instead of reading 0.00×', () => {
    assert.equal(fmtX(0.0024), '0.0024×');
    assert.equal(fmtX(0.00031), '0.00031×');
    assert.equal(fmtX(0.0099), '0.0099×');
    assert.equal(fmtX(0.00002), '< 0.0001×');
  });

  test('zero, and no figure', () => {
    assert.equal(fmtX(0), '0.00×');
    assert.equal(fmtX(null), '–');
    assert.equal(fmtX(Number.NaN), '–');
  });
});
