import { errorMessage } from '../core/index.js';
import { notifyOnce } from '../notify/index.js';
import { autoRetryPass } from '../recovery/index.js';
import { recoveryChange } from '../recovery/index.js';
import type { RecoveryDeps } from '../recovery/index.js';
import { evaluateReviewsGate, reviewDue, reviewFindingsText } from '../review/index.js';
import { pendingDependencies } from '../tasks/index.js';
import { HELD_PREFIX, holdReason } from '../radar/index.js';
import type { Fleet } from './create-fleet.js';
import { followWork } from './follow-work.js';
import { followHosts } from './follow-hosts.js';
import { createDependencyFollower } from '../workspace/index.js';

/**
 * What recovery is given everywhere (the automatic pass and `task.retry` from the CLI and the TUI):
 * escalations go out through the notify module (notify.command, desktop, bell) exactly once, and
 * review_flagged retries get the review module's findings text.
 */
export function recoveryDeps(fleet: Fleet): RecoveryDeps {
  return {
    startAttempt: (taskId) => fleet.dispatch({ type: 'task.start', id: taskId }),
    notify: (ctx, n) => notifyOnce(ctx, n.taskId, 'escalated', n.attempt, n.message, n.summary).then((o) => o.sent),
    reviewText: (t) => reviewFindingsText(t, fleet.config),
  };
}

/**
 * Connects the capabilities into one loop, run after every monitor pass (TUI, `watch`, `check`):
 * the reviews gate comes from the review module; failed tasks are retried or escalated by recovery
 * (escalations notified exactly once); open PRs whose CI passed are reviewed; blocked tasks whose
 * dependencies are ready are started; an agent's change to the lockfile of a shared node_modules
 * makes the install private (a watcher per live attempt while a loop runs; a hash comparison in
 * one-shot passes).
 */
export function wireLoop(fleet: Fleet): void {
  fleet.monitor.setGateEvaluator('reviews', async ({ task }) => evaluateReviewsGate(task, fleet.config));

  fleet.monitor.afterPass(async (result) => {
    // A pty agent dies with a one-shot process (`flotilla check`): starting a retry there would
    // only burn an attempt; the TUI or `flotilla watch` makes it. Escalations still happen here.
    const oneShotPty = fleet.oneShot && fleet.sessions?.runtime === 'pty' && !fleet.monitor.running;
    const done = await autoRetryPass(fleet, {
      ...recoveryDeps(fleet),
      ...(oneShotPty ? { deferRetry: 'the pty runtime ends agents when this process exits; the TUI or `flotilla watch` retries it' } : {}),
    });
    // Retries and escalations are changes of the pass too (printed by `check`, one line in `watch`).
    for (const r of done) {
      const change = recoveryChange(r);
      result.changes.push(change);
      fleet.events.emit({ type: 'monitor.change', change });
    }
  });

  let reviewing: Promise<void> | null = null;
  fleet.monitor.afterPass(async () => {
    if (reviewing) return; // one review run at a time; the next pass picks up the rest
    const tasks = fleet.store.getState().tasks;
    const due = tasks.find((t) => t.gates.ci?.state === 'pass' && reviewDue(t, fleet.config));
    if (!due) return;
    reviewing = (async () => {
      try {
        await fleet.dispatch({ type: 'task.review', id: due.id });
      } catch (err) {
        fleet.events.emit({ type: 'error', message: `review of ${due.id}: ${errorMessage(err)}` });
      } finally {
        reviewing = null;
      }
    })();
    // A one-shot `check` waits for the review; a loop lets it run in the background.
    if (!fleet.monitor.running) await reviewing;
  });

  fleet.monitor.afterPass(async () => {
    if (!fleet.sessions) return;
    // A pty session dies with a one-shot process: only a running loop (TUI, watch) or tmux starts them.
    if (fleet.sessions.runtime === 'pty' && !fleet.monitor.running) return;
    const tasks = fleet.store.getState().tasks;
    for (const t of tasks) {
      const held = t.state === 'queued' && t.reason?.startsWith(HELD_PREFIX) === true;
      if ((t.state !== 'blocked' && !held) || t.attempts.length > 0) continue;
      if (pendingDependencies(t, tasks).length > 0) continue;
      // Held by conflicts.hold: starts once no live sibling touches its files (start re-checks).
      if (held && holdReason(t, tasks)) continue;
      try {
        await fleet.dispatch({ type: 'task.start', id: t.id });
      } catch (err) {
        fleet.events.emit({ type: 'error', message: `start of ${t.id} after its dependencies: ${errorMessage(err)}` });
      }
    }
  });

  followWork(fleet);
  followHosts(fleet);

  const deps = createDependencyFollower(fleet);
  fleet.onClose(() => deps.close());
  const offExit = fleet.events.on((e) => {
    if (e.type === 'session.status' && e.session.state === 'exited') void deps.stop(e.taskId);
  });
  fleet.onClose(offExit);
  fleet.monitor.afterPass(async (result) => {
    const tasks = fleet.store.getState().tasks;
    if (fleet.monitor.running) await deps.watch(tasks);
    else await deps.checkOnce(tasks);
    // Attempts on hosts: from this pass's probe of them; a one-shot pass waits for an install.
    if (result.sharedOnHosts) await deps.checkHosts(tasks, result.sharedOnHosts, { wait: !fleet.monitor.running });
  });
}
