import { expect, it } from 'vitest';
import { IDLE_NO_SLOT, type AdmissionJobView } from '../../engine/index.js';
import { resourcesLine } from './status.js';

const job = (id: string, reason?: string): AdmissionJobView => ({ id, kind: 'agent', label: `agent ${id}`, taskId: id, since: '2026-12-02T10:00:00.000Z', expectedPeakMB: 1500, ...(reason ? { reason } : {}) });

it('counts agents idle in a finished task apart: they hold no slot (was: "4 running" beside "0 running" in the recommendation)', () => {
  const snapshot = { totalMB: 24_000, availableMB: 20_000, reserveMB: 3_500, swapping: false, waiting: [], recommendation: { agents: 8, reason: '0 running + 11 more fit' } };
  expect(resourcesLine({ ...snapshot, running: [job('a', IDLE_NO_SLOT), job('b', IDLE_NO_SLOT), job('c')] })).toContain('queue: 1 running, 2 idle in finished tasks (no slot), 0 waiting');
  expect(resourcesLine({ ...snapshot, running: [job('c')] })).toContain('queue: 1 running, 0 waiting');
});
