import { execa } from 'execa';
import { CommandError, type RunOptions, type RunResult, type Runner } from '../core/index.js';

export type { RunOptions, RunResult, Runner };

export function createRunner(): Runner {
  return {
    async run(file, args, options = {}) {
      const result = await execa(file, [...args], {
        cwd: options.cwd,
        env: options.env,
        extendEnv: true,
        input: options.input,
        timeout: options.timeoutMs,
        reject: false,
        stripFinalNewline: false,
        detached: options.detached ?? false,
        forceKillAfterDelay: 2000,
        stdin: options.input === undefined ? 'ignore' : 'pipe',
      });
      const code = (result as { code?: string }).code;
      return {
        exitCode: result.exitCode ?? null,
        stdout: String(result.stdout ?? ''),
        stderr: String(result.stderr ?? ''),
        timedOut: Boolean(result.timedOut),
        failed: Boolean(result.failed),
        signal: result.signal ?? undefined,
        notFound: code === 'ENOENT',
      };
    },
  };
}

/** Runs and throws a CommandError unless the exit code is 0. Returns stdout. */
export async function runChecked(
  runner: Runner,
  file: string,
  args: readonly string[],
  options?: RunOptions,
): Promise<string> {
  const result = await runner.run(file, args, options);
  if (result.exitCode !== 0) {
    throw new CommandError(file, args, result.exitCode, result.notFound ? `${file}: command not found` : result.stderr);
  }
  return result.stdout;
}
