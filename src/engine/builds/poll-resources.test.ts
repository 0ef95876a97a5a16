import { describe, expect, it } from 'vitest';
import { EventBus } from '../fleet/event-bus.js';
import { createFleetStore } from '../fleet/store.js';
import type { FleetEvent } from '../fleet/types.js';
import { pollResources } from './poll-resources.js';
import type { Admission, ResourcesSnapshot } from './types.js';

const snap: ResourcesSnapshot = {
  totalMB: 1000,
  availableMB: 500,
  reserveMB: 100,
  swapping: false,
  running: [],
  waiting: [],
  recommendation: { agents: 1, reason: 'r' },
};

async function until(cond: () => boolean): Promise<void> {
  const end = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('pollResources', () => {
  it('puts snapshots into the store and reports a failing one once', async () => {
    const store = createFleetStore('/r');
    const events = new EventBus<FleetEvent>();
    const errors: string[] = [];
    events.on((e) => void (e.type === 'error' && errors.push(e.message)));
    let fail = false;
    const admission: Admission = {
      acquire: () => Promise.reject(new Error('unused')),
      snapshot: async () => {
        if (fail) throw new Error('bad reserve');
        return snap;
      },
    };
    let calls = 0;
    const counted: Admission = { ...admission, snapshot: () => (calls++, admission.snapshot()) };
    const stop = pollResources({ admission: counted, store, events }, 20);
    await until(() => store.getState().resources !== undefined);
    expect(store.getState().resources).toEqual(snap);
    fail = true;
    const failedFrom = calls;
    await until(() => calls >= failedFrom + 4);
    stop();
    expect(errors).toEqual(['bad reserve']);
  });
});
