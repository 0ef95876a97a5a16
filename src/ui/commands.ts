import { errorMessage } from '../engine/index.js';
import type { UiFleet } from './types.js';
import { notify, type UiStore } from './ui-store.js';

/** True when the engine can run `type` now (capabilities land at different times). */
export function commandAvailable(fleet: UiFleet, type: string): boolean {
  return fleet.supports ? fleet.supports(type) : true;
}

/**
 * Dispatches an engine command by name and reports the outcome in the status bar. A command the
 * engine does not have yet says so instead of failing. Resolves to the result, or undefined.
 */
export async function runCommand(
  fleet: UiFleet,
  ui: UiStore,
  type: string,
  input: Record<string, unknown>,
  done?: string,
): Promise<unknown> {
  if (!commandAvailable(fleet, type)) {
    notify(ui, `${type}: not available yet in this build of flotilla`, 'error');
    return undefined;
  }
  try {
    const result = await fleet.dispatch({ type, ...input });
    if (done) notify(ui, done);
    return result ?? true;
  } catch (err) {
    const message = errorMessage(err);
    if (/is not a function|unknown command/i.test(message)) {
      notify(ui, `${type}: not available yet in this build of flotilla`, 'error');
    } else {
      notify(ui, `${type}: ${message.split('\n')[0]}`, 'error');
    }
    return undefined;
  }
}
