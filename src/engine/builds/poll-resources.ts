import { errorMessage } from '../errors.js';
import type { EventBus } from '../fleet/event-bus.js';
import type { FleetStore } from '../fleet/store.js';
import type { FleetEvent } from '../fleet/types.js';
import type { Admission } from './types.js';

/**
 * Keeps `state.resources` fresh for the Queue panel: a snapshot of the admission queue every
 * `intervalMs` (default 2 s). A failing snapshot (e.g. a bad memReserveMB) is reported once as an
 * `error` event until it recovers. Returns the function that stops it (register it with onClose).
 */
export function pollResources(
  ctx: { admission?: Admission; store: FleetStore; events: EventBus<FleetEvent> },
  intervalMs = 2000,
): () => void {
  const admission = ctx.admission;
  if (!admission) return () => undefined;
  let failing = false;
  let busy = false;
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      const resources = await admission.snapshot();
      ctx.store.setState({ resources });
      failing = false;
    } catch (err) {
      if (!failing) ctx.events.emit({ type: 'error', message: errorMessage(err) });
      failing = true;
    } finally {
      busy = false;
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
