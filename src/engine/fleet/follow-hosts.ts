import { errorMessage } from '../core/index.js';
import { hostEventMessage, runHostsPass, unreachableNote } from '../hosts/index.js';
import type { Fleet } from './create-fleet.js';

const HOST_PROBE_TIMEOUT_MS = 15_000;

/**
 * After each monitoring pass, when config has hosts: one probe per host (in parallel, each with its
 * own timeout). A host that stops answering is announced once per outage (a needs-input
 * notification naming its tasks; they are not failed), and while it stays down each pass says so in
 * its errors; when it answers again, one info notification.
 */
export function followHosts(fleet: Fleet): void {
  if (Object.keys(fleet.config.hosts).length === 0) return;
  fleet.monitor.afterPass(async (result) => {
    try {
      const pass = await runHostsPass({ config: fleet.config, stateDir: fleet.paths.stateDir, tasks: fleet.store.getState().tasks, timeoutMs: HOST_PROBE_TIMEOUT_MS });
      for (const event of pass.events) {
        fleet.notifier.push({ kind: event.kind === 'host-down' ? 'needs-input' : 'info', message: hostEventMessage(event) });
      }
      const down: Record<string, { since: string; message: string | null }> = {};
      for (const [name, health] of Object.entries(pass.health)) {
        const note = unreachableNote(health);
        if (note) result.errors.push(`${name}: ${note}`);
        if (health.downSince) down[name] = { since: health.downSince, message: health.message };
      }
      // The view's rows say which hosts are down; the store changes only when that does.
      const before = fleet.store.getState().hostsDown ?? {};
      if (JSON.stringify(before) !== JSON.stringify(down)) fleet.store.setState({ hostsDown: down });
    } catch (err) {
      result.errors.push(`hosts: ${errorMessage(err)}`);
    }
  });
}
