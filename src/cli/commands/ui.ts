import { createFleet } from '../../engine/index.js';
import { startMonitor } from '../../engine/index.js';
import { UsageError, errorMessage } from '../../engine/index.js';
import { markWatching } from '../../engine/index.js';
import { parseCommandArgs } from '../args.js';
import { openInEditor } from '../editor/open-editor.js';
import { loadFleetView } from '../../ui/load-view.js';
import type { CliCommand, CliIO } from '../io.js';
import type { Fleet } from '../../engine/index.js';

export const uiCommand: CliCommand = {
  name: 'ui',
  summary: 'open the fleet view (also: flotilla with no command)',
  help: `Usage: flotilla [ui]

Opens the fleet view: every task with its status, the live screen of the selected agent, panels
(Gates, Queue, Reviews, Cost) and a status bar. Press ? inside for the keys (docs/tui.md).
Needs a terminal on stdout. Quitting with the tmux runtime leaves the agents running.`,
  async run(args, io) {
    const { help } = parseCommandArgs('ui', args, {}, { max: 0 });
    if (help) return io.out(this.help), 0;
    if (!io.isTTY || !process.stdout.isTTY) {
      throw new UsageError('ui: stdout is not a terminal; the fleet view needs one (use `flotilla status` in scripts)');
    }
    if (!process.stdin.isTTY) throw new UsageError('ui: stdin is not a terminal; the fleet view reads keys from one');
    return openFleetView(io);
  },
};

/**
 * Runs the fleet view for the repository at io.cwd until the user quits. `prepare` runs on the
 * fleet before the view opens (the demo adds and starts its tasks there).
 */
export async function openFleetView(io: CliIO, prepare?: (fleet: Fleet) => Promise<void>): Promise<number> {
  // Ink and React load while the engine reads the repository (they are most of the start-up time),
  // and only here, so other commands never pay for them.
  const view = loadFleetView();
  view.catch(() => {});
  const fleet = await createFleet({ cwd: io.cwd });
  // A closed terminal (SIGHUP) or a kill (SIGTERM) ends the view too: pty agents are stopped with
  // their whole process group (nothing is left behind), tmux agents keep running. `on`, not
  // `once`: Ink's signal-exit re-raises the signal at once when it is the last listener left.
  let closing = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    if (sig === 'SIGTERM' && process.stdout.isTTY) process.stdout.write('\x1b[?1006l\x1b[?1000l\x1b[?1049l'); // mouse reporting off, normal screen
    void fleet.close().finally(() => process.exit(sig === 'SIGHUP' ? 129 : 143));
  };
  process.on('SIGHUP', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    fleet.watchRegistry();
    fleet.watchCost();
    // Following sessions left by an earlier flotilla happens behind the first frame; the pane
    // of a task not yet adopted finds its session on its own.
    void markWatching(fleet.paths.stateDir, 'view')
      .then((unmark) => fleet.onClose(unmark))
      .catch(() => undefined);
    const adopted = fleet.sessions?.adopt().catch((err: unknown) => fleet.store.setState({ error: `adopting sessions: ${errorMessage(err)}` }));
    const { runApp } = await view;
    if (prepare) await prepare(fleet);
    // The fleet view runs the whole engine, as `flotilla watch` does without it.
    startMonitor(fleet);
    const { running } = await runApp({
      fleet,
      stdin: process.stdin,
      stdout: process.stdout,
      openEditor: (file) => openInEditor(file, io.env),
      firstPaint: io.firstPaint ?? null,
    });
    await adopted;
    if (fleet.sessions?.runtime === 'tmux' && running.length > 0) {
      io.out(`flotilla: ${running.length} agent(s) still running in tmux: ${running.join(', ')} (run flotilla again to return)`);
    }
  } finally {
    process.off('SIGHUP', onSignal);
    process.off('SIGTERM', onSignal);
    await fleet.close();
  }
  return 0;
}
