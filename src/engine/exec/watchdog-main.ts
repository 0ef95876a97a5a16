/**
 * The dead man's switch of one flotilla process (`node watchdog-main.js`, started by
 * `HolderWatchdog`): it reads "hold <pgid> <marker JSON>" and "free <pgid>" lines on stdin, a pipe
 * from its holder. When that pipe closes without "bye" the holder is gone (SIGKILL included, which
 * no handler in the holder can catch): every group still held gets SIGTERM then SIGKILL, and every
 * process carrying a held marker in its environment is swept, so agents of a killed view and checks
 * of a killed `check`/`watch` do not run on. Its argument is the holder's token: every process the
 * holder started to be held carries FLOTILLA_HOLDER=<token> and is swept too (that needs no message,
 * so a holder killed before its "hold" line got through loses nothing). It runs in its own session,
 * so signals to the holder's terminal (Ctrl-C, hangup) do not reach it.
 */
import { createInterface } from 'node:readline';
import { sweepMarked, type SweepMarker } from './sweep.js';

const holder = process.argv[2] ?? '';
const held = new Map<number, SweepMarker>();
let bye = false;

function signalGroup(pgid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pgid, sig);
  } catch {
    // gone
  }
}

async function endAll(): Promise<void> {
  const groups = [...held.entries()];
  for (const [pgid] of groups) signalGroup(pgid, 'SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  for (const [pgid] of groups) signalGroup(pgid, 'SIGKILL');
  const markers = groups.map(([, marker]) => marker);
  if (holder) markers.push({ env: { FLOTILLA_HOLDER: holder } });
  await Promise.all(markers.map((marker) => sweepMarked(marker, 500)));
}

for (const sig of ['SIGINT', 'SIGHUP', 'SIGPIPE'] as const) process.on(sig, () => undefined);
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const [verb, pgidText, ...rest] = line.split(' ');
  const pgid = Number(pgidText);
  if (verb === 'bye') bye = true;
  else if (verb === 'hold' && Number.isInteger(pgid) && pgid > 1) {
    try {
      held.set(pgid, JSON.parse(rest.join(' ')) as SweepMarker);
    } catch {
      held.set(pgid, { env: {} });
    }
  } else if (verb === 'free') held.delete(pgid);
});
lines.on('close', () => {
  if (bye) process.exit(0);
  void endAll().finally(() => process.exit(0));
});
