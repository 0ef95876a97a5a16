import { createFleet } from '../../engine/index.js';
import { startMonitor } from '../../engine/index.js';
import { terminalAlert } from '../../engine/index.js';
import { markWatching } from '../../engine/index.js';
import { jsonText } from '../../engine/index.js';
import { parseCommandArgs } from '../args.js';
import { formatEvent } from '../format/monitor.js';
import { EXIT, type CliCommand } from '../io.js';

export const watchCommand: CliCommand = {
  name: 'watch',
  summary: 'run the engine without the TUI, one line per event',
  help: `Usage: flotilla watch [--json]

Runs the whole engine headless: the monitor loop every monitor.intervalSec seconds (and whatever
else the fleet runs: sessions, recovery). Prints one line per event:
  HH:MM:SS <task> <what>: <message>
With --json prints one JSON object per line: {"at": ISO, "type": ..., ...event}.
Notifications ring the terminal bell and send OSC 9/777 when stdout is a terminal and notify.bell
is on. Ctrl-C (SIGINT), SIGTERM or SIGHUP stops cleanly (running checks are killed) and exits 0; a second
Ctrl-C while stopping exits at once (130).`,
  async run(args, io) {
    const { values, help } = parseCommandArgs('watch', args, { json: { type: 'boolean' } }, { max: 0 });
    if (help) return io.out(this.help), EXIT.ok;
    const fleet = await createFleet({ cwd: io.cwd });
    const json = Boolean(values.json);
    const bell = fleet.config.notify.bell && io.isTTY && !json;
    let forgeSaid = '';
    fleet.events.on((event) => {
      const at = new Date();
      // Which forge and why: once, and again only when that changes.
      if (!json && event.type === 'monitor.pass' && event.result.forgeWhy) {
        const said = `forge: ${event.result.forge} (${event.result.forgeWhy})`;
        if (said !== forgeSaid) io.out(`flotilla watch: ${(forgeSaid = said)}`);
      }
      if (json) {
        io.out(jsonText({ at: at.toISOString(), ...event }));
        return;
      }
      const line = formatEvent(event, at);
      if (line) io.out(line);
      if (bell && event.type === 'notification') {
        // The alert's OSC 9/777 are flotilla's own; its text went through safeLine in terminalAlert.
        const alert = terminalAlert(event.notification, true);
        if (io.outStyled) io.outStyled(alert);
        else io.out(alert);
      }
    });
    // Listening from before the banner, so a signal during adoption also stops cleanly.
    let stopping = false;
    let wake = () => {};
    const stopped = new Promise<void>((resolve) => (wake = resolve));
    const onSignal = () => {
      // A second Ctrl-C while stopping gives up waiting.
      if (stopping) process.exit(130);
      stopping = true;
      wake();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    process.on('SIGHUP', onSignal);
    const { tasks } = fleet.store.getState();
    if (!json) io.out(`flotilla watch: ${tasks.length} task(s), a pass every ${fleet.config.monitor.intervalSec}s; Ctrl-C to stop`);
    fleet.watchRegistry();
    // Follow agents still running from an earlier flotilla process (tmux runtime).
    await fleet.sessions?.adopt().catch((err: unknown) => fleet.events.emit({ type: 'error', message: `sessions: ${(err as Error).message}` }));
    // One-shot commands (`status`) say when nobody follows the sessions; this process does now.
    const unmark = await markWatching(fleet.paths.stateDir, 'watch').catch(() => null);
    if (unmark) fleet.onClose(unmark);
    startMonitor(fleet);
    await stopped;
    await fleet.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
    if (!json) io.out('flotilla watch: stopped');
    return EXIT.ok;
  },
};
