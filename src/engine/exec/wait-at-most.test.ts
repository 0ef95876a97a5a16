import { describe, expect, it } from 'vitest';
import { waitAtMost } from './wait-at-most.js';

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('waitAtMost', () => {
  it('returns when the promise settles and leaves no timer behind', async () => {
    const before = timers();
    await waitAtMost(Promise.resolve(), 60_000);
    await waitAtMost(Promise.reject(new Error('no')), 60_000);
    expect(timers()).toBe(before);
  });

  it('returns after the limit when the promise never settles', async () => {
    await expect(waitAtMost(new Promise(() => undefined), 20)).resolves.toBeUndefined();
  });
});
