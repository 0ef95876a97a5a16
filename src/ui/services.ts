import type { StoreApi } from 'zustand/vanilla';
import type { Admission } from '../engine/index.js';
import { errorMessage } from '../engine/index.js';
import type { FleetNotification, FleetState } from '../engine/index.js';
import type { UiFleet } from './types.js';
import { notify, type UiStore } from './ui-store.js';

/**
 * The view's two background duties, kept out of React: ringing the bell on new engine
 * notifications, and polling the admission queue while the Queue panel shows.
 */

/**
 * Writes an alert to `out` for each notification that arrives after this call: BEL by default;
 * run-app passes the engine's terminalAlert (BEL plus OSC 9/777 desktop notifications).
 */
export function ringOnNotifications(
  store: StoreApi<FleetState>,
  out: { write(s: string): unknown },
  alert: (n: FleetNotification) => string = () => '\x07',
): () => void {
  let lastId = store.getState().notifications.at(-1)?.id ?? null;
  return store.subscribe((state) => {
    const latest = state.notifications.at(-1);
    if (latest && latest.id !== lastId) {
      lastId = latest.id;
      out.write(alert(latest));
    }
  });
}

/** Polls admission.snapshot() every intervalMs into ui.resources, only while the Queue panel shows. */
export function pollResources(admission: Admission | undefined, ui: UiStore, intervalMs = 2000): () => void {
  if (!admission) return () => {};
  let timer: NodeJS.Timeout | null = null;
  let busy = false;
  const poll = async () => {
    if (busy) return;
    busy = true;
    try {
      ui.setState({ resources: await admission.snapshot(), resourcesError: null });
    } catch (err) {
      ui.setState({ resourcesError: errorMessage(err) });
    } finally {
      busy = false;
    }
  };
  const sync = (panel: string) => {
    if (panel === 'queue' && !timer) {
      void poll();
      timer = setInterval(() => void poll(), intervalMs);
      timer.unref?.();
    } else if (panel !== 'queue' && timer) {
      clearInterval(timer);
      timer = null;
    }
  };
  sync(ui.getState().panel);
  const unsubscribe = ui.subscribe((s, prev) => {
    if (s.panel !== prev.panel) sync(s.panel);
  });
  return () => {
    unsubscribe();
    if (timer) clearInterval(timer);
    timer = null;
  };
}

/**
 * Moves ui.now forward so the ages in the list stay current. Checked every intervalMs, but a
 * render happens only when what the list would show changes (`labels(now)`): with every task
 * minutes into its state that is once a minute, not twelve times, which is most of the view's idle
 * CPU.
 */
export function tickClock(ui: UiStore, labels: (now: number) => string = () => '', intervalMs = 5000): () => void {
  let shown = labels(ui.getState().now);
  const timer = setInterval(() => {
    const now = Date.now();
    const next = labels(now);
    if (next === shown) return;
    shown = next;
    ui.setState({ now });
  }, intervalMs);
  timer.unref?.();
  return () => clearInterval(timer);
}

/** Shows background engine errors (monitor, watchers, sessions) in the status bar. */
export function showEngineErrors(events: UiFleet['events'], ui: UiStore): () => void {
  if (!events) return () => {};
  return events.on((event) => {
    if (event.type === 'error') notify(ui, event.message.split('\n')[0] ?? 'engine error', 'error');
  });
}
