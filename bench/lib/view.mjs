// What the benches of the fleet view share (fleet-scale.mjs, hosts-view.mjs): tmux on a socket of
// their own, the view's screen, its CPU and RSS from /proc, percentiles, a bench repository.
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Clock ticks a second (CPU times in /proc are in ticks). */
export const TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** tmux on socket `socket` (-L), its output; its stderr is dropped. */
export const tmux = (socket, args) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });

/** The text of pane `target` on `socket` ('' when tmux fails). */
export const capture = (socket, target) =>
  new Promise((resolve) => execFile('tmux', ['-L', socket, 'capture-pane', '-p', '-t', target], { encoding: 'utf8' }, (_e, out) => resolve(out ?? '')));

/** The p-th percentile of `xs`. */
export const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

/** CPU ticks of a process (user + system); with `reaped`, also those of the children it has waited for. */
export function cpuTicks(pid, { reaped = false } = {}) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]) + (reaped ? Number(f[13]) + Number(f[14]) : 0);
}

/** Resident memory of a process, MB. */
export const rssMB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

/** Git identity for the bench repositories' commits. */
export const GIT_ENV = { GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@b.invalid', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@b.invalid' };

/** A git repository at `root` (made) on main with one commit, and flotilla's `config` in .flotilla/config.json. */
export function makeBenchRepo(root, config) {
  const env = { ...process.env, ...GIT_ENV };
  mkdirSync(root, { recursive: true });
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: root, env });
  writeFileSync(join(root, 'README.md'), '# bench\n');
  execFileSync('git', ['add', '-A'], { cwd: root, env });
  execFileSync('git', ['commit', '-q', '-m', 'init'], { cwd: root, env });
  mkdirSync(join(root, '.flotilla'), { mode: 0o700 });
  writeFileSync(join(root, '.git', 'info', 'exclude'), '.flotilla/\n');
  writeFileSync(join(root, '.flotilla', 'config.json'), JSON.stringify(config));
  return env;
}

/**
 * Opens the view (`node [nodeArgs] bin`) in tmux 200x50 on `socket` in `root`, with `env` (KEY=value
 * strings), and waits up to `timeoutMs` for its pane title to name `firstId`; returns its pid.
 */
export async function openView({ socket, root, env = [], bin, nodeArgs = [], firstId, timeoutMs }) {
  tmux(socket, ['-f', '/dev/null', 'new-session', '-d', '-s', 'view', '-x', '200', '-y', '50', '-c', root, ...env.flatMap((e) => ['-e', e]), '--', process.execPath, ...nodeArgs, bin]);
  tmux(socket, ['set-option', '-g', 'status', 'off']);
  const pid = Number(tmux(socket, ['list-panes', '-t', 'view', '-F', '#{pane_pid}']).trim());
  const until = Date.now() + timeoutMs;
  while (!titleOf(firstId).test(await capture(socket, 'view'))) {
    if (Date.now() > until) throw new Error(`the view did not show ${firstId}: ${await capture(socket, 'view')}`);
    await sleep(100);
  }
  return pid;
}

/** The view's pane title while task `id` is selected. */
export const titleOf = (id) => new RegExp(`${id} · `);

/** Sends a key, then polls the screen until `changed(screen)`; returns the ms in between. */
export async function keyLatency(socket, target, key, changed, limitMs = 10_000) {
  const t0 = performance.now();
  tmux(socket, ['send-keys', '-t', target, key]);
  for (;;) {
    const screen = await capture(socket, target);
    if (changed(screen)) return performance.now() - t0;
    if (performance.now() - t0 > limitMs) throw new Error(`no change after ${key}: ${screen}`);
  }
}

/** `keys` list keys, j and k in turn between the first two rows (`ids`), `gapMs` after each shows; each one's latency, ms. */
export async function listKeyLatencies(socket, ids, keys, limitMs, gapMs = 50) {
  const times = [];
  for (let i = 0; i < keys; i++) {
    const down = i % 2 === 0;
    times.push(await keyLatency(socket, 'view', down ? 'j' : 'k', (s) => titleOf(down ? ids[1] : ids[0]).test(s), limitMs));
    await sleep(gapMs);
  }
  return times;
}

/** Quits the view (q), then ends its tmux server. */
export async function closeView(socket) {
  tmux(socket, ['send-keys', '-t', 'view', 'q']);
  await sleep(1500);
  try {
    tmux(socket, ['kill-server']);
  } catch {}
}
