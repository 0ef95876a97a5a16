import { FAILURE_CLASSES, type FailureClass } from '../../engine/index.js';
import { UsageError } from '../../engine/index.js';
import { createFleet, type Fleet } from '../../engine/index.js';
import { assertTaskId } from '../../engine/index.js';
import { jsonText } from '../../engine/index.js';
import { parseCommandArgs } from '../args.js';
import { EXIT, type CliCommand, type CliIO } from '../io.js';

/** With the pty runtime the agent lives in this process: wait until it exits (Ctrl-C stops it), as `flotilla start` does. */
async function waitForExit(fleet: Fleet, id: string, io: CliIO): Promise<void> {
  io.out(`${id}: the agent runs in this process; Ctrl-C stops it`);
  const exited = new Promise<void>((resolve) => {
    fleet.events.on((e) => {
      const ev = e as { type: string; taskId?: string; session?: { state?: string } };
      if (ev.type === 'session.status' && ev.taskId === id && ev.session?.state === 'exited') resolve();
    });
  });
  if (!(await fleet.sessions!.isAlive(id))) return;
  const onSigint = () => void fleet.dispatch({ type: 'task.stop', id } as never).catch(() => undefined);
  process.once('SIGINT', onSigint);
  await exited;
  process.off('SIGINT', onSigint);
  io.out(`${id}: the agent exited`);
}

export const retryCommand: CliCommand = {
  name: 'retry',
  summary: 'retry a task in a new attempt, with what the last one was missing',
  help: `Usage: flotilla retry <task> [--note TEXT] [--files a,b] [--doc FILE] [--class CLASS] [--force] [--json]

Starts attempt N+1 of a stopped, failed or escalated task in a new worktree (the old one is kept;
\`flotilla diff <task>\` compares them). The new attempt's prompt is enriched with what the last one
was missing: failing checks and test names, the end of each failing log, review findings,
conflicting files, plus what you give here. It continues from the last attempt's branch, except
for off_track and no_progress, which start again from the base branch.

Options:
  --note TEXT     a corrected direction ("The requirement is X, not Y")
  --files LIST    narrow the scope to these paths (comma-separated, inside the worktree)
  --doc FILE      attach a document (repeatable; at most 256 KiB each)
  --class CLASS   say what went wrong: ${FAILURE_CLASSES.join(', ')}
  --force         retry even past recovery.maxAttempts / recovery.maxCiRounds
  --json          print the result as JSON

With the tmux runtime the new attempt's agent keeps running after this command returns; with the
pty runtime it lives in this process and the command waits until it exits (Ctrl-C stops it).

Exit codes: 0 retried, 1 error, 2 bad usage (also: the task is running; stop it first),
3 the task is past its cap and was escalated.`,
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
      },
      { min: 1, max: 1, names: '<task>' },
    );
    if (help) return io.out(this.help), 0;
    const id = assertTaskId(positionals[0]!, 'task');
    const cls = values.class;
    if (cls !== undefined && !(FAILURE_CLASSES as readonly string[]).includes(cls)) {
      throw new UsageError(`retry: --class ${cls}: not a failure class (one of ${FAILURE_CLASSES.join(', ')})`);
    }
    if (values.note !== undefined && !values.note.trim()) throw new UsageError('retry: --note is empty');
    const files = values.files?.flatMap((f) => f.split(',')).map((f) => f.trim()).filter(Boolean);
    if (values.files && !files?.length) throw new UsageError('retry: --files names no path');
    const fleet = await createFleet({ cwd: io.cwd });
    try {
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
      if (values.json) io.out(jsonText(result, 2));
      else if (result.outcome === 'escalated') {
        io.out(`${id} escalated: ${result.reason}\n${result.summary}\n(retry anyway with --force)`);
      } else {
        const what = result.kinds.length ? `; told: ${result.kinds.join(', ')}` : '';
        const state = result.started
          ? 'started'
          : `pending${result.startError ? ` (start failed: ${result.startError})` : ''}; start it: flotilla start ${id}`;
        io.out(`${id}: attempt ${result.attempt} from ${result.startPoint} (${result.class ?? 'manual'}${what}): ${state}`);
        if (result.started && fleet.sessions?.runtime === 'pty') await waitForExit(fleet, id, io);
      }
      return result.outcome === 'escalated' ? EXIT.needsHuman : EXIT.ok;
    } finally {
      await fleet.close();
    }
  },
};
