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

/**
 * `-e` flags for the pane: what differs from this process's environment (flotilla's variables, the
 * profile's env) plus PATH, so secrets of the environment are not put on a command line.
 */
export function paneEnvArgs(env: Record<string, string>): string[] {
  return Object.entries(env)
    .filter(([k, v]) => k === 'PATH' || process.env[k] !== v)
    .flatMap(([k, v]) => ['-e', `${k}=${v}`]);
}
