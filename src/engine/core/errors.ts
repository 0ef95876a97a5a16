/** The small set of error types the engine throws. Only src/cli turns them into exit codes. */

export class FlotillaError extends Error {
  override name = 'FlotillaError';
}

/** A user-facing problem with input (argv, ids, missing things). */
export class UsageError extends FlotillaError {
  override name = 'UsageError';
}

export class ConfigError extends FlotillaError {
  override name = 'ConfigError';
  constructor(
    readonly file: string,
    readonly key: string,
    message: string,
  ) {
    super(`${file}: ${key ? `key "${key}": ` : ''}${message}`);
  }
}

export class RegistryError extends FlotillaError {
  override name = 'RegistryError';
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
  }
}

export class CommandError extends FlotillaError {
  override name = 'CommandError';
  constructor(
    readonly file: string,
    readonly argv: readonly string[],
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    const tail = stderr.trim().split('\n').slice(-3).join(' | ');
    super(`${[file, ...argv].join(' ')} failed (exit ${exitCode ?? 'signal'})${tail ? `: ${tail}` : ''}`);
  }
}

export class PtyError extends FlotillaError {
  override name = 'PtyError';
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** A job stopped waiting for admission (flotilla stopping, or the queue closed). */
export class AdmissionAbortedError extends FlotillaError {
  override name = 'AdmissionAbortedError';
}

/** No task with this id in the registry (a usage error: the id came from the user). */
export class TaskNotFoundError extends UsageError {
  override name = 'TaskNotFoundError';
  constructor(readonly taskId: string) {
    super(`no task "${taskId}" (see \`flotilla status\`)`);
  }
}
