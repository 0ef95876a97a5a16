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
    const stop = pollResources({ admission, store, events }, 20);
    await new Promise((r) => setTimeout(r, 30));
    expect(store.getState().resources).toEqual(snap);
    fail = true;
    await new Promise((r) => setTimeout(r, 100));
    stop();
    expect(errors).toEqual(['bad reserve']);
  });
});
