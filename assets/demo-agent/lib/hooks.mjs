// Runs hook commands the way Claude Code does: each configured command through `sh -c`, in the
// session's cwd, with the hook's JSON on stdin. Exit code 2 means "block" (stderr is the reason).
import { spawn } from 'node:child_process';

const MATCHED_BY = {
  PreToolUse: 'tool_name',
  PostToolUse: 'tool_name',
  Notification: 'notification_type',
  SessionStart: 'source',
  SessionEnd: 'reason',
};

function matches(matcher, value) {
  if (matcher === undefined || matcher === null || matcher === '' || matcher === '*') return true;
  if (value === undefined) return true;
  try {
    return new RegExp(`^(?:${matcher})$`).test(String(value));
  } catch {
    return matcher === value;
  }
}

/** The hook commands configured for `event` whose matcher fits `input`. */
export function commandsFor(settings, event, input) {
  const groups = settings?.hooks?.[event];
  if (!Array.isArray(groups)) return [];
  const field = MATCHED_BY[event];
  const out = [];
  for (const g of groups) {
    if (!g || !Array.isArray(g.hooks)) continue;
    if (field && !matches(g.matcher, input[field])) continue;
    for (const h of g.hooks) {
      if (h && h.type === 'command' && typeof h.command === 'string' && h.command.trim()) {
        out.push({ command: h.command, timeoutMs: Number.isFinite(h.timeout) ? h.timeout * 1000 : 60_000 });
      }
    }
  }
  return out;
}

function runOne({ command, timeoutMs }, json, cwd) {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', command], {
      cwd,
      env: { ...process.env, CLAUDE_PROJECT_DIR: cwd },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.on('error', () => {});
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: 1, stdout, stderr: String(err.message) });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
    child.stdin.end(json);
  });
}

/**
 * Fires `event` with `fields`; returns { blocked, feedback } where blocked is true when any hook
 * exited with 2 (its stderr becomes the feedback).
 */
export async function fireHook(session, event, fields = {}) {
  const input = {
    session_id: session.id,
    transcript_path: session.transcriptPath,
    cwd: session.cwd,
    permission_mode: session.permissionMode,
    hook_event_name: event,
    ...fields,
  };
  const commands = commandsFor(session.settings, event, input);
  if (!commands.length) return { blocked: false, feedback: '' };
  const json = JSON.stringify(input);
  const results = await Promise.all(commands.map((c) => runOne(c, json, session.cwd)));
  const blocking = results.filter((r) => r.code === 2);
  return { blocked: blocking.length > 0, feedback: blocking.map((r) => r.stderr.trim()).filter(Boolean).join('\n') };
}
