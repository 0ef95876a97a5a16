import { errorMessage } from '../core/index.js';
import { hostEventMessage, hostReasons, recordHostsHealth, unreachableNote } from '../hosts/index.js';
import { notifyHost } from '../notify/index.js';
import type { Fleet } from './create-fleet.js';

/**
 * After each monitoring pass, when config has hosts: the health of each host, decided from the
 * pass's own probe of it (`result.hosts`: no second probe). A host that stops answering is
 * announced once per outage (a needs-input notification naming its tasks, notify.command included;
 * they are not failed),
 * its tasks show `host unreachable since …` (their reason, for `status` and the view), and while
 * it stays down each pass says so in its errors; when it answers again, one info notification and
 * the reason is cleared.
 */
export function followHosts(fleet: Fleet): void {
  if (Object.keys(fleet.config.hosts).length === 0) return;
  fleet.monitor.afterPass(async (result) => {
    if (!result.hosts) return;
    try {
      const pass = await recordHostsHealth({ config: fleet.config, stateDir: fleet.paths.stateDir, tasks: fleet.store.getState().tasks, answers: result.hosts });
      for (const event of pass.events) {
        const errors = await notifyHost(fleet, { event: event.kind, host: event.host, tasks: event.tasks, summary: hostEventMessage(event) });
        result.errors.push(...errors.map((e) => `${event.host}: ${e}`));
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
      if (hostReasons(fleet.store.getState().tasks, pass.health).size === 0) return;
      await fleet.registry.update((data) => {
        for (const [id, reason] of hostReasons(data.tasks, pass.health)) {
          const task = data.tasks.find((t) => t.id === id);
          if (task) task.reason = reason;
        }
      });
      await fleet.refresh();
    } catch (err) {
      result.errors.push(`hosts: ${errorMessage(err)}`);
    }
  });
}
