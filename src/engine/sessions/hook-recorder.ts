/**
 * Tiny recorder run by an agent's own hooks (Claude Code `--settings` hooks, Codex `notify`):
 *   node hook-recorder.js <events.jsonl> <event> [codex-json]
 * Reads the hook's JSON from stdin (Claude) or the last argument (Codex) and appends one line
 * {at, event, attempt, tool?, message?, kind?} to the events file (0600). Never fails the agent:
 * every error is swallowed and the exit code is 0.
 */
import { closeSync, fchmodSync, fstatSync, writeSync } from 'node:fs';
// The lean leaf, not core's door: this runs for every hook event and must not load the engine.
import { openNoFollowSync } from '../core/no-follow.js';

function readStdin(limitMs: number): Promise<string> {
  return new Promise((resolve) => {
    if (process.stdin.isTTY) return resolve('');
    let text = '';
    const done = () => {
      clearTimeout(timer);
      resolve(text);
    };
    const timer = setTimeout(done, limitMs);
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (d: string) => {
      if (text.length < 1_000_000) text += d;
    });
    process.stdin.on('end', done);
    process.stdin.on('error', done);
  });
}

function pickString(obj: Record<string, unknown>, key: string): string | undefined {
  const v = obj[key];
  return typeof v === 'string' ? v.slice(0, 500) : undefined;
}

/** A message for events that carry none: the API error of StopFailure, the tool of a permission dialog. */
function describe(event: string, payload: Record<string, unknown>): string | undefined {
  if (event === 'StopFailure') {
    const error = pickString(payload, 'error') ?? 'unknown';
    const details = pickString(payload, 'error_details');
    return `API error: ${error}${details ? `: ${details}` : ''}`.slice(0, 500);
  }
  if (event === 'PermissionRequest') {
    const tool = pickString(payload, 'tool_name');
    return tool ? `permission: ${tool}` : 'permission';
  }
  if (event === 'TaskCompleted' || event === 'TaskCreated') return pickString(payload, 'task_subject');
  return undefined;
}

async function record(): Promise<void> {
  const [file, event, codexJson] = process.argv.slice(2);
  if (!file || !event) return;
  let payload: Record<string, unknown> = {};
  const raw = event === 'codex' ? (codexJson ?? '') : await readStdin(2000);
  try {
    const parsed = JSON.parse(raw) as unknown;
    if (parsed && typeof parsed === 'object') payload = parsed as Record<string, unknown>;
  } catch {
    // no or bad JSON: the event name alone still counts
  }
  const attempt = Number.parseInt(process.env.FLOTILLA_ATTEMPT ?? '', 10);
  const line = {
    at: new Date().toISOString(),
    event: event === 'codex' ? `codex:${pickString(payload, 'type') ?? 'notify'}` : event,
    attempt: Number.isInteger(attempt) ? attempt : null,
    tool: pickString(payload, 'tool_name'),
    // No control characters from the agent's payload reach a terminal later.
    message: (pickString(payload, 'message') ?? describe(event, payload))?.replace(/[\x00-\x1f\x7f-\x9f]/g, ' '),
    kind: pickString(payload, 'notification_type'),
  };
  const text = `${JSON.stringify(line)}\n`;
  // Never through a symlink planted at the file or its folder (refused: nothing written or chmodded).
  const fd = openNoFollowSync(file, 'a');
  try {
    // Only a file that is not 0600 already is chmodded (flotilla makes it 0600 before the agent
    // starts). An fchmod before every write made the watcher miss events: chokidar stats the file
    // at the first inotify event (the chmod), sees the mtime unchanged and takes it for an access,
    // and drops the write's event that follows within its 5 ms throttle (a Stop lost under load).
    if ((fstatSync(fd).mode & 0o777) !== 0o600) fchmodSync(fd, 0o600);
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

record().then(
  () => process.exit(0),
  () => process.exit(0),
);
