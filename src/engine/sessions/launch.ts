/**
 * Starts an agent whose argv is too long to pass through tmux's command channel (tmux refuses
 * commands over ~16 KB, and a composed prompt is often longer): `node launch.js <argv file>` reads
 * the NUL-separated argv, removes the file, runs the agent in this terminal and exits with its code.
 * Used only when bash (which can exec in place) is missing.
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';

const file = process.argv[2];
if (!file) process.exit(2);
const argv = readFileSync(file, 'utf8').split('\0');
if (argv.at(-1) === '') argv.pop();
rmSync(file, { force: true });
const [program, ...args] = argv;
const child = spawn(program!, args, { stdio: 'inherit' });
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(sig, () => child.kill(sig));
child.on('error', (err) => {
  process.stderr.write(`flotilla: cannot start ${program}: ${err.message}\n`);
  process.exit(127);
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
