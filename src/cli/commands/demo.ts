import { realpathSync } from 'node:fs';
import { findExecutable } from '../../engine/index.js';
import { createRunner } from '../../engine/index.js';
import { createDemoRepo } from '../../engine/index.js';
import { demoTaskSettled, startDemo } from '../demo-driver.js';
import { UsageError } from '../../engine/index.js';
import { createFleet } from '../../engine/index.js';
import { startMonitor } from '../../engine/index.js';
import { fleetCostSummary, formatTokens, formatUsd, taskCost } from '../../engine/index.js';
import type { Task } from '../../engine/index.js';
import { flotillaBin } from '../../engine/index.js';
import { parseCommandArgs } from '../args.js';
import { formatEvent } from '../format/monitor.js';
import { formatTable } from '../format/table.js';
import { EXIT, type CliCommand, type CliIO } from '../io.js';

/** How to call flotilla again: `flotilla` when it is on PATH, else this launcher's full path. */
function flotillaCommand(io: CliIO): string {
  const bin = flotillaBin();
  const onPath = findExecutable('flotilla', { cwd: io.cwd, path: io.env.PATH });
  return onPath && realpathSync(onPath) === realpathSync(bin) ? 'flotilla' : bin;
}

function summary(tasks: readonly Task[]): string {
  const rows = tasks.map((t) => {
    const c = taskCost(t);
    const gates = Object.entries(t.gates)
      .map(([n, g]) => `${n}:${g.state}`)
      .join(' ');
    const outcome = t.pr?.state === 'merged' ? 'merged' : t.state;
    return [t.id, outcome, String(t.attempts.length), t.pr ? `#${t.pr.number}` : '-', c ? formatUsd(c.usd, c.usdKnown) : '-', c ? formatTokens(c.tokens) : '-', gates, t.reason ?? ''];
  });
  const total = fleetCostSummary(tasks);
  const perPr = total.perCompletedPr.prs
    ? `${formatUsd(total.perCompletedPr.usd)} per completed PR (${total.perCompletedPr.prs} PRs)`
    : 'no completed PR';
  return `${formatTable(['TASK', 'OUTCOME', 'ATT', 'PR', 'COST', 'TOKENS', 'GATES', 'REASON'], rows)}

total ${formatUsd(total.usd, total.usdKnown)} for ${formatTokens(total.tokens)} tokens; ${perPr}`;
}

/** The closing hint of both modes: where the repository is and what to try in it. */
function lookAround(root: string, f: string): string {
  return `\nThe demo repository stays at ${root}. Look around:\n  cd ${root}\n  ${f} status\n  ${f} diff truncate\n  ${f} review show word-count\n  ${f} learnings\n  ${f} cost`;
}

async function runHeadless(root: string, io: CliIO, timeoutSec: number): Promise<number> {
  const fleet = await createFleet({ cwd: root });
  let quiet = false;
  const log = (line: string) => {
    if (!quiet) io.out(line);
  };
  fleet.events.on((e) => {
    const line = formatEvent(e);
    if (line) log(line);
  });
  try {
    const stop = await startDemo(fleet, { answerPermissions: true, log });
    startMonitor(fleet);
    const deadline = Date.now() + timeoutSec * 1000;
    let settled = false;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000));
      const { tasks } = fleet.store.getState();
      // Done when every task is settled and the reviews of ready ones are in.
      if (tasks.length && tasks.every(demoTaskSettled)) {
        settled = true;
        break;
      }
    }
    stop();
    quiet = true;
    await fleet.monitor.stop();
    await fleet.dispatch({ type: 'cost.refresh' }).catch(() => undefined);
    await fleet.refresh();
    io.out(`\n${summary(fleet.store.getState().tasks)}`);
    io.out(lookAround(root, flotillaCommand(io)));
    if (!settled) {
      io.err(`flotilla: demo: not every task finished within ${timeoutSec}s`);
      return EXIT.error;
    }
    return EXIT.ok;
  } finally {
    await fleet.close();
  }
}

export const demoCommand: CliCommand = {
  name: 'demo',
  summary: 'run flotilla on a throwaway project with a scripted agent (no keys, no network)',
  help: `Usage: flotilla demo [--headless] [--dir DIR] [--timeout SEC]

Creates a throwaway git repository (a small text library with node:test tests) under DIR or a new
temp folder, configures the local forge with \`node --test\` as CI, scripted reviewers in three
roles, and the scripted demo agent (assets/demo-agent; it calls no model), then adds four tasks:
  word-count            goes cleanly to ready (it asks a permission question first)
  truncate              fails CI, is retried with the failing test's name, and becomes ready
  separator-dot         ready, then merged into main by the demo (playing the human)
  separator-underscore  conflicts with the merged one, is retried, and escalates to the human
Without --headless opens the fleet view on them (answer the permission question by attaching with
Enter, or with \`flotilla send word-count y\` from another terminal). With --headless runs them to
the end, printing one line per event, then a summary with cost per task and per completed PR;
exits 0 when every task settled, 1 on timeout (default 300 s).`,
  async run(args, io) {
    const { values, help } = parseCommandArgs(
      'demo',
      args,
      { headless: { type: 'boolean' }, dir: { type: 'string' }, timeout: { type: 'string' } },
      { max: 0 },
    );
    if (help) return io.out(this.help), EXIT.ok;
    const timeoutSec = values.timeout === undefined ? 300 : Number(values.timeout);
    if (!Number.isInteger(timeoutSec) || timeoutSec <= 0 || timeoutSec > 86_400) throw new UsageError(`demo: --timeout must be a whole number of seconds from 1 to 86400, got "${values.timeout}"`);
    const headless = Boolean(values.headless);
    if (!headless && (!io.isTTY || !process.stdin.isTTY)) {
      throw new UsageError('demo: the fleet view needs a terminal; run `flotilla demo --headless` in scripts');
    }
    const repo = await createDemoRepo(createRunner(), values.dir ? { dir: values.dir } : {});
    io.out(`flotilla demo: project at ${repo.root}`);
    if (headless) return runHeadless(repo.root, io, timeoutSec);
    const { openFleetView } = await import('./ui.js');
    const code = await openFleetView({ ...io, cwd: repo.root }, async (fleet) => {
      await startDemo(fleet, { answerPermissions: false, log: (line) => fleet.dispatch({ type: 'notify.push', notification: { kind: 'info', message: line } }).then(() => undefined) });
    });
    io.out(lookAround(repo.root, flotillaCommand(io)));
    return code;
  },
};
