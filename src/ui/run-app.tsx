import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { render } from 'ink';
import { errorMessage } from '../engine/index.js';
import { writeFileAtomic } from '../engine/index.js';
import { MEMORY_TEMPLATE } from '../engine/index.js';
import { terminalAlert } from '../engine/index.js';
import { App } from './app.js';
import { age, liveSession } from './format.js';
import { buildKeymap } from './keys.js';
import type { FirstPaint } from './first-paint.js';
import { MOUSE_OFF, MOUSE_ON } from './mouse.js';
import { PanePainter, PanePainterContext, inkStdout } from './pane-painter.js';
import { pollResources, ringOnNotifications, showEngineErrors, tickClock } from './services.js';
import type { UiFleet, UiRequest } from './types.js';
import { createUiStore, emptyDraft, notify, type UiStore } from './ui-store.js';

export interface RunAppOptions {
  fleet: UiFleet;
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  /** Opens a file in the user's editor with the terminal handed over; resolves to its exit code. */
  openEditor?: (file: string) => Promise<number>;
  ui?: UiStore;
  /** Use the alternate screen (default true on a TTY). */
  altScreen?: boolean;
  /** Mouse reporting while the view shows (default true on a TTY). */
  mouse?: boolean;
  /** The first frame already drawn on the alternate screen (bin/flotilla): the view draws over it in place. */
  firstPaint?: FirstPaint | null;
}

export interface RunAppResult {
  /** Tasks whose agents were still running when the view closed. */
  running: string[];
}

const ALT_ON = '\x1b[?1049h';
const ALT_OFF = '\x1b[?1049l';
const CLEAR = '\x1b[2J\x1b[H';
const HOME = '\x1b[H';

/**
 * Runs the fleet view until the user quits. Attach and $EDITOR unmount Ink, hand the terminal over,
 * then mount it again; the view's state lives in the UI store, so it comes back as it was.
 */
export async function runApp(options: RunAppOptions): Promise<RunAppResult> {
  const { fleet, stdin, stdout } = options;
  const keymap = buildKeymap(fleet.config.keys);
  const ui = options.ui ?? createUiStore({ draft: emptyDraft(fleet.config.defaultAgent, fleet.config.baseBranch) });
  const stops = [pollResources(fleet.admission, ui), tickClock(ui, (now) => fleet.store.getState().tasks.map((t) => age(t.stateSince, now)).join(' ')), showEngineErrors(fleet.events, ui)];
  if (fleet.config.notify.bell) stops.push(ringOnNotifications(fleet.store, stdout, (n) => terminalAlert(n, true)));
  const alt = options.altScreen ?? Boolean(stdout.isTTY);
  if (options.firstPaint) options.firstPaint.takeOver();
  else if (alt) stdout.write(ALT_ON);
  const mouse = options.mouse ?? Boolean(stdout.isTTY);
  let mouseOn = false;
  const setMouse = (on: boolean) => {
    if (!mouse || on === mouseOn) return;
    stdout.write(on ? MOUSE_ON : MOUSE_OFF);
    mouseOn = on;
  };
  try {
    for (;;) {
      // Mouse reports only while the view shows: an agent, the editor or the shell must not get them.
      setMouse(true);
      const request = await showView(fleet, ui, keymap, stdin, stdout);
      setMouse(false);
      if (request.kind === 'quit') break;
      // Hand the terminal over. Ink has let go of stdin; pause it too so nothing of ours reads
      // keys meant for the agent or the editor.
      stdin.pause();
      stdout.write(CLEAR);
      if (request.kind === 'attach') await attach(fleet, ui, request.taskId, stdin, stdout);
      if (request.kind === 'editor') await editPrompt(ui, options.openEditor);
      if (request.kind === 'memory') await editMemory(ui, request.file, options.openEditor);
      // process.stdin stops its handle in a nextTick after pause(); when the hand-over ended from a
      // promise (agent exit) that tick would land after Ink re-subscribes and leave the view deaf.
      // Let it run first; Ink's 'readable' listener then starts reading again.
      await new Promise((resolve) => setImmediate(resolve));
      // Agents and editors leave the terminal on its normal screen; come back to ours.
      if (alt) stdout.write(ALT_ON);
      stdout.write(CLEAR);
    }
  } finally {
    for (const stop of stops) stop();
    setMouse(false);
    if (alt) stdout.write(ALT_OFF);
  }
  return { running: fleet.store.getState().tasks.filter((t) => liveSession(t)).map((t) => t.id) };
}

/** Mounts the view and resolves with what it asked for when it unmounts. */
async function showView(fleet: UiFleet, ui: UiStore, keymap: ReturnType<typeof buildKeymap>, stdin: NodeJS.ReadStream, stdout: NodeJS.WriteStream): Promise<UiRequest> {
  let request: UiRequest = { kind: 'quit' };
  let instance: ReturnType<typeof render> | null = null;
  const onRequest = (r: UiRequest) => {
    request = r;
    setImmediate(() => instance?.unmount());
  };
  // The live pane's screen is painted outside Ink's frame (pane-painter.ts): Ink's writes go
  // through a stream that tells the painter which rows they covered. Ink starts at the top-left.
  const painter = new PanePainter(stdout);
  const ink = inkStdout(stdout, painter);
  stdout.write(HOME);
  instance = render(
    <PanePainterContext.Provider value={painter}>
      <App fleet={fleet} ui={ui} keymap={keymap} onRequest={onRequest} />
    </PanePainterContext.Provider>,
    {
      stdin,
      stdout: ink.stream,
      exitOnCtrlC: false,
      patchConsole: false,
      maxFps: 30,
      // Only the lines that changed are written: a list row's change rewrites that line, not the
      // list's others, so the terminal (and tmux, ssh) gets a fraction of the frame.
      incrementalRendering: true,
    },
  );
  try {
    await instance.waitUntilExit();
  } finally {
    ink.close();
  }
  return request;
}

async function attach(fleet: UiFleet, ui: UiStore, taskId: string, stdin: NodeJS.ReadStream, stdout: NodeJS.WriteStream): Promise<void> {
  if (!fleet.sessions) return notify(ui, 'attach: agent sessions not available yet', 'error');
  stdout.write(CLEAR);
  try {
    const outcome = await fleet.sessions.attach(taskId, { stdin, stdout, detachKey: fleet.config.detachKey, leaveAltScreen: false });
    if (outcome.reason === 'exited') {
      const status = outcome.exitCode === null ? 'no exit status' : `status ${outcome.exitCode}`;
      notify(ui, `${taskId}: agent exited (${status}) while attached`, outcome.exitCode === 0 ? 'info' : 'error');
    } else {
      notify(ui, `detached from ${taskId}`);
    }
  } catch (err) {
    notify(ui, `attach ${taskId}: ${errorMessage(err).split('\n')[0]}`, 'error');
  }
}

/** MEMORY.md in the editor, created from the template when missing (as `flotilla memory` does). */
async function editMemory(ui: UiStore, file: string, openEditor: RunAppOptions['openEditor']): Promise<void> {
  if (!openEditor) return notify(ui, 'memory: no editor available here', 'error');
  try {
    if (!existsSync(file)) await writeFileAtomic(file, MEMORY_TEMPLATE);
    const code = await openEditor(file);
    if (code === 0) notify(ui, `MEMORY.md saved (${file})`);
    else notify(ui, `memory: editor exited with status ${code}`, 'error');
  } catch (err) {
    notify(ui, `memory: ${errorMessage(err).split('\n')[0]}`, 'error');
  }
}

async function editPrompt(ui: UiStore, openEditor: RunAppOptions['openEditor']): Promise<void> {
  const draft = ui.getState().draft;
  if (!openEditor) return void ui.setState({ draft: { ...draft, error: 'no editor available here' } });
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-prompt-'));
  const file = join(dir, 'PROMPT.md');
  try {
    await writeFileAtomic(file, draft.prompt);
    const code = await openEditor(file);
    const text = (await readFile(file, 'utf8')).replace(/\n$/, '');
    ui.setState({ draft: { ...draft, prompt: text, field: 1, error: code === 0 ? null : `editor exited with status ${code}` } });
  } catch (err) {
    ui.setState({ draft: { ...draft, error: errorMessage(err).split('\n')[0] ?? 'editor failed' } });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
