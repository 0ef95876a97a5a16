import { distScript } from '../core/index.js';
import { writeFileAtomic } from '../fs/index.js';
import type { SpawnSpec } from './runtime.js';
import { findExecutable } from './which.js';

/** tmux reads an argument ending in ";" as a command separator; "\;" keeps it literal. */
export function tmuxArg(arg: string): string {
  return arg.endsWith(';') ? `${arg.slice(0, -1)}\\;` : arg;
}

/** tmux passes commands to its server in one message of at most ~16 KB; longer argv goes by file. */
const DIRECT_ARGV_LIMIT = 8 * 1024;

/**
 * The pane command for an agent argv: the argv itself when short; else a launcher reading it from
 * a 0600 file (bash exec's in place, so the agent stays the pane's process; node otherwise).
 */
export async function launchArgv(spec: SpawnSpec): Promise<string[]> {
  const size = spec.argv.reduce((n, a) => n + Buffer.byteLength(a) + 1, 0);
  if (size <= DIRECT_ARGV_LIMIT) return spec.argv.map(tmuxArg);
  await writeFileAtomic(spec.argvFile, `${spec.argv.join('\0')}\0`);
  const bash = findExecutable('bash', { cwd: spec.cwd, path: spec.env.PATH });
  if (bash) return [bash, '-c', 'mapfile -d "" -t A < "$0" && rm -f -- "$0" && exec "${A[@]}"', spec.argvFile];
  return [process.execPath, distScript('engine', 'sessions', 'launch.js'), spec.argvFile];
}

/** Variables flotilla itself sets, which hold no secret: these may go on tmux's command line. */
const PUBLIC_ENV = new Set(['PATH', 'FLOTILLA_TASK', 'FLOTILLA_ATTEMPT', 'FLOTILLA_REPO', 'DISABLE_AUTOUPDATER', 'TERM']);

/**
 * `-e` flags for the pane: what differs from this process's environment plus PATH, so secrets of
 * the environment are not put on a command line. Only flotilla's own variables go as flags; the
 * profile's `env` values (API keys, tokens) are returned as `secret`, for a 0600 file.
 */
export function paneEnvArgs(env: Record<string, string>): string[] & { secret?: Record<string, string> } {
  const args: string[] & { secret?: Record<string, string> } = [];
  const secret: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (k !== 'PATH' && process.env[k] === v) continue;
    if (PUBLIC_ENV.has(k)) args.push('-e', `${k}=${v}`);
    else secret[k] = v;
  }
  if (Object.keys(secret).length) args.secret = secret;
  return args;
}

/**
 * Wraps a pane command so it starts with `secret` in its environment, read from a 0600 file that
 * the wrapper removes at once (bash exec's in place, so the agent stays the pane's process); no
 * value appears on a command line (`ps`). Without bash the values go as `-e` flags (returned).
 */
export async function withSecretEnv(spec: Pick<SpawnSpec, 'argvFile' | 'cwd' | 'env'>, command: string[], secret: Record<string, string> | undefined): Promise<{ command: string[]; envArgs: string[] }> {
  if (!secret) return { command, envArgs: [] };
  const bash = findExecutable('bash', { cwd: spec.cwd, path: spec.env.PATH });
  if (!bash) return { command, envArgs: Object.entries(secret).flatMap(([k, v]) => ['-e', `${k}=${v}`]) };
  const file = `${spec.argvFile}.env`;
  await writeFileAtomic(file, Object.entries(secret).map(([k, v]) => `${k}=${v}\0`).join(''));
  const script = 'while IFS= read -r -d "" kv; do export "$kv"; done < "$0"; rm -f -- "$0"; exec "$@"';
  return { command: [bash, '-c', script, file, ...command], envArgs: [] };
}
