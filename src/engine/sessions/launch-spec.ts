import { attemptFiles, PtyError, taskFiles, type Attempt, type ProfileConfig, type RepoPaths, type Task } from '../core/index.js';
import { attemptEnv } from '../workspace/index.js';
import { buildAgentArgv } from './argv.js';
import type { HookRecorder } from '../agents/index.js';
import { hookArgv, hookArgvWith } from './hooks.js';
import type { SessionManagerContext } from './session-context.js';

/** Linux refuses a single exec argument of 128 KiB or more (MAX_ARG_STRLEN). */
const MAX_ARG_BYTES = 128 * 1024;

function agentEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && k !== 'TMUX' && k !== 'TMUX_PANE' && !k.startsWith('FLOTILLA_')) env[k] = v;
  }
  return { ...env, ...extra };
}

export function hookEventsFile(paths: RepoPaths, taskId: string): string {
  return taskFiles(paths, taskId).hookEvents;
}

export function attemptLogFile(paths: RepoPaths, taskId: string, attempt: number): string {
  return attemptFiles(paths, taskId, attempt).log;
}

export function promptFile(paths: RepoPaths, taskId: string, attempt: number): string {
  return attemptFiles(paths, taskId, attempt).prompt;
}

/** How an attempt's agent is launched: argv (from the profile), environment, prompt and hook files. */
export interface LaunchSpec {
  argv: string[];
  env: Record<string, string>;
  promptFile: string;
  eventsFile: string;
}

/** Builds the launch spec of an attempt; a PtyError when an argument is too long for exec. */
export function launchSpec(
  ctx: Pick<SessionManagerContext, 'paths' | 'config'>,
  task: Task,
  attempt: Attempt,
  profile: ProfileConfig,
  input: { prompt: string; extraContext: string | null },
  /** Extra argv and environment (trusting the worktree, src/engine/agents/trust.ts). */
  extra: { argv: string[]; env: Record<string, string> } = { argv: [], env: {} },
  /** The hooks' recorder when not this machine's (an attempt on a host: host-hooks.ts). */
  recorder?: HookRecorder,
): LaunchSpec {
  const taskId = task.id;
  const pFile = promptFile(ctx.paths, taskId, attempt.n);
  const eventsFile = hookEventsFile(ctx.paths, taskId);
  const where = { file: ctx.paths.configFile, key: `profiles.${task.agent}` };
  const argv = buildAgentArgv(
    profile,
    { prompt: input.prompt, promptFile: pFile, model: profile.model ?? null, context: input.extraContext },
    where,
    [...(recorder ? hookArgvWith(profile.hooks, recorder) : hookArgv(profile.hooks, eventsFile, ctx.config.stopGate.enabled ? { taskId } : undefined)), ...extra.argv],
  );
  const tooLong = argv.find((a) => Buffer.byteLength(a) >= MAX_ARG_BYTES);
  if (tooLong !== undefined) {
    throw new PtyError(
      `task ${taskId}: an argument of profile "${task.agent}" is ${Buffer.byteLength(tooLong)} bytes, over the ${MAX_ARG_BYTES / 1024} KiB a single argument may have; use {promptFile} instead of {prompt} in ${where.key}.command`,
    );
  }
  const env = agentEnv({
    ...extra.env,
    ...(profile.env ?? {}),
    // The attempt's ports, FLOTILLA_SLOT and COMPOSE_PROJECT_NAME (config env.ports).
    ...attemptEnv(ctx.paths.root, taskId, attempt),
    DISABLE_AUTOUPDATER: '1',
    FLOTILLA_TASK: taskId,
    FLOTILLA_ATTEMPT: String(attempt.n),
    FLOTILLA_REPO: ctx.paths.root,
  });
  return { argv, env, promptFile: pFile, eventsFile };
}
