import { FAILURE_CLASSES, type FailureClass } from '../../engine/index.js';
import { UsageError } from '../../engine/index.js';
import { createFleet, type Fleet } from '../../engine/index.js';
import { jsonText } from '../../engine/index.js';
import { parseCommandArgs } from '../args.js';
import { EXIT, type CliCommand, type CliIO } from '../io.js';
import { SELECTION_HELP, SELECTION_OPTIONS, forEachTask, selectTasks } from '../task-selection.js';

/** With the pty runtime the agent lives in this process: wait until it exits (Ctrl-C stops it), as `flotilla start` does. */
/** The pty runtime: the agent lives in this process, so wait until it exits (a signal stops it: see run). */
async function waitForExit(fleet: Fleet, id: string, io: CliIO): Promise<void> {
  const exited = new Promise<void>((resolve) => {
    fleet.events.on((e) => {
      const ev = e as { type: string; taskId?: string; session?: { state?: string } };
      if (ev.type === 'session.status' && ev.taskId === id && ev.session?.state === 'exited') resolve();
    });
  });
  if (!(await fleet.sessions!.isAlive(id))) return;
  io.out(`${id}: the agent runs in this process; Ctrl-C stops it`);
  await exited;
  io.out(`${id}: the agent exited`);
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export const retryCommand: CliCommand = {
  name: 'retry',
  summary: 'retry a task in a new attempt, with what the last one was missing',
  help: `Usage: flotilla retry <task...> | --all | --state S | --tag T  [--note TEXT] [--files a,b] [--doc FILE] [--class CLASS] [--force] [--json]

Starts attempt N+1 of a stopped, failed or escalated task in a new worktree (the old one is kept;
\`flotilla diff <task>\` compares them). The new attempt's prompt is enriched with what the last one
was missing: failing checks and test names, the end of each failing log, review findings,
conflicting files, plus what you give here. It continues from the last attempt's branch, except
for off_track and no_progress, which start again from the base branch.

After an environment failure (no network, not logged in, the agent program missing) or while the
task is paused by a usage limit, retry goes on in the SAME attempt and worktree instead: once you
have fixed the cause, a live agent is sent "continue", a gone one is started again there. No
attempt is used up. (Give --class to ask for a new attempt anyway.)

${SELECTION_HELP} The options below apply to each task.

When no agent slot is free the new attempt's task is left queued; the next pass of \`flotilla check\`,
\`watch\` or the fleet view starts it.

Options:
  --note TEXT     a corrected direction ("The requirement is X, not Y")
  --files LIST    narrow the scope to these paths (comma-separated, inside the worktree)
  --doc FILE      attach a document (repeatable; at most 256 KiB each)
  --class CLASS   say what went wrong: ${FAILURE_CLASSES.join(', ')}
  --force         retry even past recovery.maxAttempts / recovery.maxCiRounds
  --json          print the result as JSON

With the tmux runtime the new attempt's agent keeps running after this command returns; with the
pty runtime it lives in this process and the command waits until it exits (Ctrl-C stops it).

Exit codes (the first failing task's, with several): 0 retried, 1 error, 2 bad usage (also: the
task is running; stop it first), 3 the task is past its cap and was escalated.`,
  async run(args, io) {
    const { values, positionals, help } = parseCommandArgs(
      'retry',
      args,
      {
        note: { type: 'string' },
        files: { type: 'string', multiple: true },
        doc: { type: 'string', multiple: true },
        class: { type: 'string' },
        force: { type: 'boolean' },
        json: { type: 'boolean' },
        ...SELECTION_OPTIONS,
      },
    );
    if (help) return io.out(this.help), 0;
    const cls = values.class;
    if (cls !== undefined && !(FAILURE_CLASSES as readonly string[]).includes(cls)) {
      throw new UsageError(`retry: --class ${cls}: not a failure class (one of ${FAILURE_CLASSES.join(', ')})`);
    }
    if (values.note !== undefined && !values.note.trim()) throw new UsageError('retry: --note is empty');
    const files = values.files?.flatMap((f) => f.split(',')).map((f) => f.trim()).filter(Boolean);
    if (values.files && !files?.length) throw new UsageError('retry: --files names no path');
    const fleet = await createFleet({ cwd: io.cwd, queueStarts: true });
    try {
      const ids = selectTasks('retry', fleet.store.getState().tasks, { ids: positionals, all: values.all, state: values.state, tag: values.tag });
      if (ids.length === 0) return io.err('flotilla: retry: no task matches'), EXIT.ok;
      const ptyWaits: string[] = [];
      // Agents this process holds (the pty runtime) are stopped, and that recorded, by Ctrl-C, a
      // kill or a closed terminal: ONE listener per signal for the whole command, set before any
      // agent starts (a signal between the start and a listener of the wait killed flotilla
      // outright; only Ctrl-C was handled at all). A second signal exits at once.
      let stopping = false;
      const stopHeld = () => {
        for (const id of ptyWaits) void fleet.dispatch({ type: 'task.stop', id } as never).catch(() => undefined);
      };
      const relay = () => {
        if (stopping) process.exit(130);
        stopping = true;
        stopHeld();
      };
      const held = fleet.sessions?.runtime === 'pty';
      if (held) for (const sig of SIGNALS) process.on(sig, relay);
      try {
        const code = await forEachTask(io, 'retried', ids, 1, async (id) => {
          const result = await fleet.dispatch({
            type: 'task.retry',
            id,
            cwd: io.cwd,
            ...(cls ? { class: cls as FailureClass } : {}),
            ...(values.note !== undefined ? { note: values.note } : {}),
            ...(files ? { files } : {}),
            ...(values.doc ? { docs: values.doc } : {}),
            ...(values.force ? { force: true } : {}),
          });
          if (values.json) return { line: jsonText(result, 2), code: result.outcome === 'escalated' ? EXIT.needsHuman : EXIT.ok };
          if (result.outcome === 'escalated') {
            return { line: `${id} escalated: ${result.reason}\n${result.summary}\n(retry anyway with --force)`, code: EXIT.needsHuman };
          }
          const what = result.kinds.length ? `; told: ${result.kinds.join(', ')}` : '';
          const state = result.started
            ? 'started'
            : result.queued
              ? `queued, ${result.queued}; the next pass (flotilla check, watch or the view) starts it`
              : `pending${result.startError ? ` (start failed: ${result.startError})` : ''}; start it: flotilla start ${id}`;
          if (result.started && fleet.sessions?.runtime === 'pty' && !result.sent) ptyWaits.push(id);
          if (result.reused) {
            const how = result.sent ? `sent "${result.sent}" to its agent` : state;
            return { line: `${id}: attempt ${result.attempt} goes on in the same worktree (${result.class ?? 'paused'}): ${how}` };
          }
          return { line: `${id}: attempt ${result.attempt} from ${result.startPoint} (${result.class ?? 'manual'}${what}): ${state}` };
        });
        if (stopping) stopHeld(); // the signal came while later tasks were still starting
        for (const id of ptyWaits) await waitForExit(fleet, id, io);
        return code;
      } finally {
        if (held) for (const sig of SIGNALS) process.off(sig, relay);
      }
    } finally {
      await fleet.close();
    }
  },
};
