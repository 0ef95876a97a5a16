import { DEMO_MERGES_FIRST, DEMO_TASKS, errorMessage, mergeLocalPr, type Fleet, type Task } from '../engine/index.js';

export interface DemoDriverOptions {
  /** Headless: play the human who answers each permission question with "y". */
  answerPermissions: boolean;
  log: (line: string) => void;
}

/** A task the demo is done with: ready, escalated to the human, or merged. */
export function demoTaskSettled(t: Task): boolean {
  return t.state === 'ready' || t.state === 'escalated' || t.pr?.state === 'merged';
}

/**
 * Adds the demo's tasks to the fleet and starts them; while the fleet runs, merges the first
 * separator PR as soon as it is ready (so the other one conflicts with base) and, headless,
 * answers permission questions. Everything else is the real engine: sessions, monitor, local
 * forge and CI, reviews, recovery, cost.
 */
export async function startDemo(fleet: Fleet, o: DemoDriverOptions): Promise<() => void> {
  const offs: Array<() => void> = [];
  for (const t of DEMO_TASKS) {
    await fleet.dispatch({ type: 'task.add', input: { id: t.id, title: t.title, prompt: t.prompt, tags: t.tags, agent: 'demo' } });
  }

  let merged = false;
  offs.push(
    fleet.monitor.afterPass(async () => {
      if (merged) return;
      const t = (await fleet.registry.read()).tasks.find((x) => x.id === DEMO_MERGES_FIRST);
      if (t?.state !== 'ready' || t.pr?.state !== 'open') return;
      merged = true;
      try {
        await mergeLocalPr(fleet, DEMO_MERGES_FIRST);
        o.log(`demo: merged ${DEMO_MERGES_FIRST}'s PR #${t.pr.number} into main, as a human would; separator-underscore now conflicts with it`);
        await fleet.refresh();
      } catch (err) {
        o.log(`demo: could not merge ${DEMO_MERGES_FIRST}: ${errorMessage(err)}`);
      }
    }),
  );

  if (o.answerPermissions) {
    const answered = new Set<string>();
    offs.push(
      fleet.events.on((e) => {
        if (e.type !== 'session.status' || e.session.state !== 'waiting') return;
        const key = `${e.taskId}#${e.attempt}#${e.session.since}`;
        if (answered.has(key)) return;
        answered.add(key);
        setTimeout(() => {
          o.log(`demo: ${e.taskId} asks for permission; answering "y" as the human would`);
          fleet.dispatch({ type: 'task.send', id: e.taskId, text: 'y' }).catch((err: unknown) => o.log(`demo: answering ${e.taskId}: ${errorMessage(err)}`));
        }, 600).unref();
      }),
    );
  }

  for (const t of DEMO_TASKS) {
    try {
      await fleet.dispatch({ type: 'task.start', id: t.id });
    } catch (err) {
      o.log(`demo: could not start ${t.id}: ${errorMessage(err)}`);
    }
  }
  return () => offs.forEach((off) => off());
}
