import { randomUUID } from 'node:crypto';
import type { EventBus } from './event-bus.js';
import type { FleetEvent } from './events.js';
import type { Notifier } from './ports.js';
import { pushNotification, type FleetStore } from './store.js';

/**
 * The one way a notification reaches the fleet: a fresh id and time, the store's list (capped), and
 * a `notification` event. The notify module decides what is sent where (once per task and attempt).
 */
export function createNotifier(store: FleetStore, events: EventBus<FleetEvent>): Notifier {
  return {
    push(notification) {
      const full = { ...notification, id: randomUUID(), at: new Date().toISOString() };
      pushNotification(store, full);
      events.emit({ type: 'notification', notification: full });
      return full;
    },
  };
}
