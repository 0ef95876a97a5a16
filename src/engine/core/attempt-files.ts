import type { RepoPaths } from './repo.js';
import { taskPath } from './repo.js';

/** The files flotilla keeps for one attempt of a task (ids validated: no path leaves its folder). */
export interface AttemptFiles {
  /** Raw output of the agent's terminal: `logs/<task>/<n>.log`. */
  log: string;
  /** The composed prompt handed to the agent: `prompts/<task>/<n>.md`. */
  prompt: string;
  /** The launch argv as started: `prompts/<task>/<n>.argv`. */
  argv: string;
  /** Outputs of checks, gates and stop gates of this attempt: `runs/<task>/<n>/`. */
  runsDir: string;
  /** A file in the attempt's runs folder, e.g. `gate-test.log`. */
  run(fileName: string): string;
}

/** Every per-attempt path, in one place. */
export function attemptFiles(paths: RepoPaths, taskId: string, n: number): AttemptFiles {
  const runsDir = taskPath(paths.runsDir, taskId, String(n));
  return {
    log: taskPath(paths.logsDir, taskId, `${n}.log`),
    prompt: taskPath(paths.promptsDir, taskId, `${n}.md`),
    argv: taskPath(paths.promptsDir, taskId, `${n}.argv`),
    runsDir,
    run: (fileName) => taskPath(paths.runsDir, taskId, String(n), fileName),
  };
}

/** Per-task files that outlive attempts: the agent's hook events. */
export function taskFiles(paths: RepoPaths, taskId: string): { hooksDir: string; hookEvents: string } {
  return { hooksDir: taskPath(paths.hooksDir, taskId), hookEvents: taskPath(paths.hooksDir, taskId, 'events.jsonl') };
}
