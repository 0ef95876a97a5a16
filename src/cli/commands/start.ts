import { createFleet } from '../../engine/index.js';
import { parseCommandArgs } from '../args.js';
import { EXIT, type CliCommand } from '../io.js';

export const startCommand: CliCommand = {
  name: 'start',
  summary: "start a task's agent in its worktree",
  help: `Usage: flotilla start <task>

Starts the agent of the task's latest attempt (creating attempt 1 and its worktree when there is
none). With the tmux runtime the command returns and the agent keeps running in flotilla's private
tmux server (see it with \`flotilla attach\` or \`flotilla capture\`). With the pty runtime the agent
lives in this process: the command waits until the agent exits (Ctrl-C, SIGTERM or SIGHUP stop it).
While the agent waits for an agent slot or memory (the admission queue), the task is queued and the
reason is printed on stderr; Ctrl-C gives the wait up.

Exit codes: 0 started, 1 the agent could not start (e.g. its command is not installed), 2 bad input.`,
  async run(args, io) {
    const { positionals, help } = parseCommandArgs('start', args, {}, { min: 1, max: 1, names: '<task>' });
    if (help) return io.out(this.help), EXIT.ok;
    const id = positionals[0]!;
    const fleet = await createFleet({ cwd: io.cwd });
    // Waiting for an agent slot or memory can take long: say why instead of hanging silently, and
    // pass on the warning of an oversized agent started alone.
    let said = '';
    const offAdmission = fleet.events.on((e) => {
      if (e.type === 'admission.waiting' && e.taskId === id && e.kind === 'agent') {
        if (e.reason.startsWith('waiting: staggering')) return;
        const gist = e.reason.replace(/[\d.]+/g, '#');
        if (gist === said) return;
        said = gist;
        io.err(`flotilla: ${id} ${e.reason} (flotilla status shows the queue; Ctrl-C gives up)`);
      } else if (e.type === 'error') {
        io.err(`flotilla: warning: ${e.message}`);
      }
    });
    // Ctrl-C (or a kill) while the agent waits for admission gives up the wait: closing the fleet
    // ends it, and the task goes back from queued to where it was. A second one exits at once.
    const waitSignals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
    let givenUp = false;
    const onWaitSignal = () => {
      if (givenUp) process.exit(130);
      givenUp = true;
      void fleet.close();
    };
    for (const sig of waitSignals) process.on(sig, onWaitSignal);
    try {
      let info;
      try {
        info = await fleet.dispatch({ type: 'task.start', id });
      } finally {
        for (const sig of waitSignals) process.off(sig, onWaitSignal);
      }
      offAdmission();
      if (info.state === 'exited') {
        io.err(`flotilla: ${id}: ${info.message ?? `the agent exited (code ${info.exitCode ?? '?'})`}`);
        return EXIT.error;
      }
      const attempt = fleet.store.getState().tasks.find((t) => t.id === id)?.attempts.at(-1)?.n ?? 1;
      if (fleet.sessions?.runtime === 'tmux') {
        io.out(`started ${id} (attempt ${attempt}, pid ${info.pid ?? '?'}); flotilla attach ${id} to watch it`);
        return EXIT.ok;
      }
      io.out(`started ${id} (attempt ${attempt}, pid ${info.pid ?? '?'}) in this process; Ctrl-C stops it`);
      const exited = new Promise<number | null>((resolve) => {
        fleet.events.on((e) => {
          if (e.type === 'session.status' && e.taskId === id && e.session.state === 'exited') resolve(e.session.exitCode ?? null);
        });
        // An agent that exited before this listener was added has said so already.
        if (fleet.sessions?.status(id) === 'exited') {
          void fleet.registry.read().then((d) => resolve(d.tasks.find((t) => t.id === id)?.attempts.at(-1)?.session?.exitCode ?? null));
        }
      });
      // Ctrl-C, a kill or a closed terminal stop the agent's whole process group (and record it),
      // instead of leaving children that ignore the pty's hangup behind.
      const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
      const onSignal = () => void fleet.dispatch({ type: 'task.stop', id }).catch(() => undefined);
      for (const sig of signals) process.on(sig, onSignal);
      const code = await exited;
      for (const sig of signals) process.off(sig, onSignal);
      io.out(`${id}: the agent exited (code ${code ?? 'signal'})`);
      return EXIT.ok;
    } finally {
      offAdmission();
      await fleet.close();
    }
  },
};
