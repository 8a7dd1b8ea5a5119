// The oracle's noise: what differs between two processes on the same sources, and what tells the time.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { noiseBetween, tellsTime } from '../oracle/probes';

const now = Date.parse('2026-12-07T06:11:50Z');
const answer = (headers: Record<string, string>, body = '{}') => ({ status: 200, headers, body });

describe('oracle noise', () => {
  it('takes a header that tells the time for noise, even when two answers agree on it', () => {
    assert.equal(tellsTime('1796623910', now), true);
    assert.equal(tellsTime('1796623910000', now), true);
    assert.equal(tellsTime('Mon, 07 Dec 2026 06:11:50 GMT', now), true);
    const same = answer({ 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000)), 'x-app': '1' });
    assert.deepEqual(noiseBetween(same, same).headers, ['x-ratelimit-reset']);
  });

  it('keeps what does not tell the time: counts, versions, ids, dates far from now', () => {
    for (const value of ['1', '1000', '4102444800', 'Thu, 01 Jan 2015 00:00:00 GMT', 'W/"5-abc"', '12345678901'])
      assert.equal(tellsTime(value, now), false, value);
    assert.equal(tellsTime(undefined, now), false);
  });

  it('takes whatever differs between the two answers for noise, headers and JSON paths', () => {
    const noise = noiseBetween(
      answer({ 'x-id': 'a', 'x-app': '1' }, '{"at":1,"name":"n"}'),
      answer({ 'x-id': 'b', 'x-app': '1' }, '{"at":2,"name":"n"}'),
    );
    assert.deepEqual(noise, { headers: ['x-id'], body: ['$.at'] });
  });
});
