import { describe, expect, it } from 'vitest';
import { build, str } from '../src/fhir/parameters';
import { toParameters } from '../src/lib/attendance';

describe('Parameters sent to the server', () => {
  it('leaves out undefined values', () => {
    expect(build([['a', str('x')], ['b', str(undefined)]])).toEqual({
      resourceType: 'Parameters',
      parameter: [{ name: 'a', valueString: 'x' }],
    });
  });

  it('has no empty parameter array, which R4 JSON (and the server) refuses', () => {
    expect(build([])).toEqual({ resourceType: 'Parameters' });
    expect(build([['a', str('')]])).toEqual({ resourceType: 'Parameters' });
    expect(toParameters({}, false)).toEqual({ resourceType: 'Parameters' });
  });
});
