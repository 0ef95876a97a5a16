import { createStore, type StoreApi } from 'zustand/vanilla';
import type { FleetState } from './events.js';

export type FleetStore = StoreApi<FleetState>;

export function createFleetStore(repoRoot: string): FleetStore {
  return createStore<FleetState>()(() => ({
    repoRoot,
    tasks: [],
    notifications: [],
    error: null,
    loadedAt: new Date(0).toISOString(),
  }));
}

const NOTIFICATION_CAP = 50;

export function pushNotification(store: FleetStore, n: FleetState['notifications'][number]): void {
  store.setState((s) => ({ notifications: [...s.notifications, n].slice(-NOTIFICATION_CAP) }));
}
