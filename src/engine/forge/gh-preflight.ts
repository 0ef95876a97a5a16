import type { Runner } from '../exec/index.js';

/**
 * What flotilla needs of gh, asked once per forge choice: installed, new enough (`gh pr checks
 * --json` came with gh 2.50; Debian's and Ubuntu's gh 2.23 lacks it), logged in. Each answer is
 * one line a user can act on, quoting gh's own words where it gave some.
 */
export const GH_MIN_VERSION = '2.50.0';

export type GhReadiness = { ok: true; version: string } | { ok: false; problem: string };

/** "gh version 2.23.0 (2023-02-21)" → "2.23.0"; null when the text names no version. Pure. */
export function parseGhVersion(text: string): string | null {
  return /\bgh version (\d+\.\d+\.\d+)/.exec(text)?.[1] ?? null;
}

/** Whether dotted version `a` is older than `b`. Pure. */
export function versionOlder(a: string, b: string): boolean {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0;
  }
  return false;
}

/** The last line of gh's own message worth quoting (gh prints hints after a blank line), cut to 200. */
export function ghMessage(stderr: string, stdout = ''): string {
  const lines = `${stderr}\n${stdout}`.split('\n').map((l) => l.trim()).filter(Boolean);
  const line = lines.find((l) => /error|not logged|unknown|failed|denied|could not|no such/i.test(l)) ?? lines[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

const GH_ENV = { GH_PROMPT_DISABLED: '1', NO_COLOR: '1', GH_NO_UPDATE_NOTIFIER: '1' };

/** Asks gh for its version, then `gh auth status`. */
export async function checkGh(runner: Runner, program: string, cwd: string): Promise<GhReadiness> {
  const v = await runner.run(program, ['--version'], { cwd, env: GH_ENV, timeoutMs: 30_000 });
  if (v.notFound) return { ok: false, problem: `gh is not installed (${program} not found)` };
  const version = parseGhVersion(v.stdout);
  if (v.exitCode !== 0 || !version) return { ok: false, problem: `gh --version failed: ${ghMessage(v.stderr, v.stdout) || `exit ${v.exitCode ?? 'signal'}`}` };
  if (versionOlder(version, GH_MIN_VERSION)) {
    return { ok: false, problem: `gh ${version} is too old: flotilla needs gh ${GH_MIN_VERSION} or newer (for gh pr checks --json); install it from https://cli.github.com` };
  }
  const auth = await runner.run(program, ['auth', 'status'], { cwd, env: GH_ENV, timeoutMs: 30_000 });
  if (auth.exitCode !== 0) {
    const said = ghMessage(auth.stderr, auth.stdout);
    return { ok: false, problem: `gh is not logged in: run gh auth login${said ? ` (gh says: ${said})` : ''}` };
  }
  return { ok: true, version };
}
