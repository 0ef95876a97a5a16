import { createFleet, HOST_NAME_PATTERN, type Fleet } from '../../engine/index.js';
import { parseCommandArgs } from '../args.js';
import { EXIT, type CliCommand, type CliIO } from '../io.js';
import { SELECTION_HELP, SELECTION_OPTIONS, forEachTask, selectTasks } from '../task-selection.js';

export const startCommand: CliCommand = {
  name: 'start',
  summary: "start tasks' agents in their worktrees",
  help: `Usage: flotilla start <task...> | --all | --state S | --tag T  [--wait] [--host NAME]

Starts the agent of each task's latest attempt (creating attempt 1 and its worktree when there is
none). With the tmux runtime the command returns and the agent keeps running in flotilla's private
tmux server (see it with \`flotilla attach\` or \`flotilla capture\`). With the pty runtime the agents
live in this process: the command waits until they exit (Ctrl-C, SIGTERM or SIGHUP stop them).

When no agent slot or memory is free (the admission queue) the task is left queued, with the reason,
and the command goes on: the next pass of \`flotilla check\`, \`flotilla watch\` or the fleet view
starts it. With --wait the command waits for the slot instead (the reason on stderr; Ctrl-C gives
the wait up).

Several tasks start one after the other, except those on different hosts (pinned, or with
--host): each host's starts go at the same time as the others'.

--host NAME pins the tasks to a host of config \`hosts\` (docs/hosts.md): the worktree is made
there from flotilla's mirror of the repository and the agent runs in tmux there; its commits come
back into the local branch flotilla/<task>-aN. \`--host local\` pins them to this machine. An
attempt that already has its worktree on another machine is not moved (flotilla retry makes a new one).

${SELECTION_HELP}

Exit codes: 0 started or queued, 1 an agent could not start (e.g. its command is not installed),
2 bad input.`,
  async run(args, io) {
    const { values, positionals, help } = parseCommandArgs('start', args, { ...SELECTION_OPTIONS, wait: { type: 'boolean' }, host: { type: 'string' } });
    if (help) return io.out(this.help), EXIT.ok;
    const wait = Boolean(values.wait);
    const host = values.host;
    if (host !== undefined && host !== 'local' && !HOST_NAME_PATTERN.test(host)) {
      return io.err(`flotilla: start: --host ${JSON.stringify(host)} is not a host name (lowercase letters, digits and -)`), EXIT.usage;
    }
    const fleet = await createFleet({ cwd: io.cwd, queueStarts: !wait });
    const offEvents = wait ? sayWhyWaiting(fleet, io) : fleet.events.on((e) => e.type === 'error' && io.err(`flotilla: warning: ${e.message}`));
    // Ctrl-C (or a kill) while an agent waits for admission gives up the wait: closing the fleet
    // ends it, and the task goes back from queued to where it was. A second one exits at once.
    let givenUp = false;
    let onSignal = () => {
      if (givenUp) process.exit(130);
      givenUp = true;
      void fleet.close();
    };
    // ONE listener per signal for the whole command; what a signal does changes with `onSignal`.
    // Removing a listener and adding another lost signals: Node closes the first signal handle, so
    // a signal that came just before (the test saw the "started" line and sent it) was dropped
    // with it (the command then waited forever), and one that came in between met no handler at
    // all (the default action killed flotilla and left the agent to the watchdog).
    const relay = () => onSignal();
    for (const sig of SIGNALS) process.on(sig, relay);
    const inProcess: string[] = [];
    try {
      const ids = selectTasks('start', fleet.store.getState().tasks, { ids: positionals, ...values });
      if (ids.length === 0) return io.err('flotilla: start: no task matches'), EXIT.ok;
      // Starts on different hosts go at once (each is mostly ssh round trips to its host); those
      // on one machine one after the other: admission staggers this machine's agent starts anyway,
      // and tasks that placement decides go in turn, each seeing where the ones before went.
      const tasks = fleet.store.getState().tasks;
      const laneOf = (id: string): string => {
        if (host !== undefined) return host === 'local' ? 'local' : `host:${host}`;
        const t = tasks.find((x) => x.id === id);
        const on = t && t.attempts.length > 0 ? t.attempts.at(-1)?.host : t?.host;
        return on ? `host:${on}` : 'here or placed';
      };
      let code = await forEachTask(io, 'started or queued', ids, 1, async (id) => {
        const info = await fleet.dispatch({ type: 'task.start', id, wait, ...(host !== undefined ? { host } : {}) });
        if ('waiting' in info) {
          if (!info.queued) return { line: `${id}: not started, ${info.waiting} (start it again later, or --wait)`, code: EXIT.error };
          return { line: `${id} queued, ${info.waiting}; the next pass (flotilla check, watch or the view) starts it` };
        }
        if (info.state === 'exited') throw new Error(info.message ?? `the agent exited (code ${info.exitCode ?? '?'})`);
        const attempt = fleet.store.getState().tasks.find((t) => t.id === id)?.attempts.at(-1)?.n ?? 1;
        const on = fleet.store.getState().tasks.find((t) => t.id === id)?.attempts.at(-1)?.host;
        if (on) return { line: `started ${id} (attempt ${attempt}, on host ${on}, pid ${info.pid ?? '?'} there); flotilla attach ${id} to watch it` };
        if (fleet.sessions?.runtime === 'tmux') return { line: `started ${id} (attempt ${attempt}, pid ${info.pid ?? '?'}); flotilla attach ${id} to watch it` };
        inProcess.push(id);
        return { line: `started ${id} (attempt ${attempt}, pid ${info.pid ?? '?'}) in this process; Ctrl-C stops it` };
      }, laneOf);
      offEvents();
      if (inProcess.length) {
        // From here a signal stops the agents this process holds (and records it).
        onSignal = () => {
          for (const id of inProcess) void fleet.dispatch({ type: 'task.stop', id }).catch(() => undefined);
        };
        code = Math.max(code, await waitForPtyAgents(fleet, io, inProcess));
      }
      return code;
    } finally {
      for (const sig of SIGNALS) process.off(sig, relay);
      offEvents();
      await fleet.close();
    }
  },
};

/** While --wait holds an agent in the admission queue, say why instead of hanging silently. */
function sayWhyWaiting(fleet: Fleet, io: CliIO): () => void {
  const said = new Map<string, string>();
  return fleet.events.on((e) => {
    if (e.type === 'admission.waiting' && e.taskId && e.kind === 'agent') {
      if (e.reason.startsWith('waiting: staggering')) return;
      const gist = e.reason.replace(/[\d.]+/g, '#');
      if (said.get(e.taskId) === gist) return;
      said.set(e.taskId, gist);
      io.err(`flotilla: ${e.taskId} ${e.reason} (flotilla status shows the queue; Ctrl-C gives up)`);
    } else if (e.type === 'error') {
      io.err(`flotilla: warning: ${e.message}`);
    }
  });
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * The pty runtime: the agents live in this process, so wait until each exits. (Ctrl-C, a kill or a
 * closed terminal stop their whole process groups and record it: the command's signal listener.)
 */
async function waitForPtyAgents(fleet: Fleet, io: CliIO, ids: string[]): Promise<number> {
  const exits = ids.map(
    (id) =>
      new Promise<void>((resolve) => {
        fleet.events.on((e) => {
          if (e.type === 'session.status' && e.taskId === id && e.session.state === 'exited') {
            io.out(`${id}: the agent exited (code ${e.session.exitCode ?? 'signal'})`);
            resolve();
          }
        });
        // An agent that exited before this listener was added has said so already.
        if (fleet.sessions?.status(id) === 'exited') {
          void fleet.registry.read().then((d) => {
            io.out(`${id}: the agent exited (code ${d.tasks.find((t) => t.id === id)?.attempts.at(-1)?.session?.exitCode ?? 'signal'})`);
            resolve();
          });
        }
      }),
  );
  await Promise.all(exits);
  return EXIT.ok;
}
