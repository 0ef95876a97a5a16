import { agentAdapter, resolveProfile } from '../agents/index.js';
import type { FlotillaConfig, ReviewerConfig } from '../core/index.js';
import { UsageError } from '../core/index.js';
import { findExecutable } from '../sessions/index.js';
import type { OutputFormat } from './parse.js';
import { ownValue } from '../core/index.js';

/**
 * Review roles. Different models catch different things; the defaults give each role a model
 * suited to it. `config.reviewers` replaces the list (an empty list turns reviewing off).
 */
export const DEFAULT_REVIEWERS: readonly ReviewerConfig[] = [
  {
    role: 'logic',
    focus:
      'Logic errors and edge cases: wrong conditions, off-by-one, unhandled empty/null/error paths, races, broken invariants, behaviour that does not match the task.',
    profile: 'claude',
    model: 'opus',
    blocking: true,
    timeoutSec: 300,
  },
  {
    role: 'security-performance',
    focus:
      'Security and performance: injection, unsafe input handling, secrets, path traversal, permissions; needless work in hot paths, unbounded memory or I/O, quadratic loops.',
    profile: 'codex',
    blocking: true,
    timeoutSec: 300,
  },
  {
    role: 'conventions',
    focus:
      "Validation against the project's own conventions (naming, structure, error handling, tests, docs) as shown by the surrounding code. Confirm real deviations only; do not invent rules, and report nothing when unsure.",
    profile: 'gemini',
    blocking: false,
    timeoutSec: 300,
  },
];

/**
 * The reviewers to run: config.reviewers when set; otherwise the default roles whose agent CLI is
 * installed here (a machine without claude, codex or gemini gets no default reviewers, and the
 * reviews gate is skipped rather than waiting forever on reviewers that cannot run).
 */
const installedDefaults = new WeakMap<FlotillaConfig, readonly ReviewerConfig[]>();

export function reviewersOf(config: FlotillaConfig): readonly ReviewerConfig[] {
  if (config.reviewers) return config.reviewers;
  // Looked up once per loaded config: the gate and the monitor ask for every task on every pass.
  let found = installedDefaults.get(config);
  if (!found) {
    found = installedDefaultReviewers(config);
    installedDefaults.set(config, found);
  }
  return found;
}

function installedDefaultReviewers(config: FlotillaConfig): readonly ReviewerConfig[] {
  return DEFAULT_REVIEWERS.filter((r) => {
    try {
      const bin = resolveProfile(config, r.profile).command[0]!;
      return findExecutable(bin, { cwd: process.cwd() }) !== null;
    } catch {
      return false;
    }
  });
}

export interface ReviewerSpec {
  role: string;
  focus: string;
  profile: string;
  /** The model passed as {model}; empty when neither the role nor the profile names one. */
  model: string;
  /** The model, or the profile name: the calibration key. */
  modelKey: string;
  blocking: boolean;
  timeoutMs: number;
  command: string[];
  output: OutputFormat;
  env: Record<string, string>;
}

/** Resolves a role to the command that runs it. */
export function reviewerSpec(config: FlotillaConfig, reviewer: ReviewerConfig): ReviewerSpec {
  const profile = resolveProfile(config, reviewer.profile);
  const configured = ownValue(config.profiles, reviewer.profile);
  // The non-interactive review command of a built-in profile's CLI (agents/<cli>/adapter.ts).
  const builtin = agentAdapter(reviewer.profile)?.review;
  let command: string[];
  let output: OutputFormat;
  if (profile.review) {
    command = profile.review.command;
    output = profile.review.output ?? 'auto';
  } else if (builtin && !configured) {
    command = [...builtin.command];
    output = builtin.output;
  } else if (builtin && configured && profile.command[0] === builtin.command[0]) {
    command = [...builtin.command];
    output = builtin.output;
  } else {
    // A custom profile without a review command: its own command, fed {prompt}/{promptFile}.
    command = profile.command;
    output = 'auto';
  }
  if (!command.some((a) => a.includes('{prompt}') || a.includes('{promptFile}'))) {
    throw new UsageError(
      `reviewer "${reviewer.role}": profile "${reviewer.profile}" has no {prompt} or {promptFile} in its ${profile.review ? 'review.' : ''}command`,
    );
  }
  const model = reviewer.model ?? profile.model ?? '';
  return {
    role: reviewer.role,
    focus: reviewer.focus,
    profile: reviewer.profile,
    model,
    modelKey: model || reviewer.profile,
    blocking: reviewer.blocking,
    timeoutMs: reviewer.timeoutSec * 1000,
    command,
    output,
    // A flotilla worktree is trusted for the reviewer as for the agent (config trustWorktrees): a
    // headless run has no dialog to answer (was: every Gemini review failed with exit 55).
    env: { ...(config.trustWorktrees ? agentAdapter(profile.trust)?.review?.trustEnv : undefined), ...profile.env },
  };
}

/**
 * Fills placeholders. With no model, "{model}" and the option before it ("--model") are dropped,
 * so the tool uses its own default.
 */
export function reviewerArgv(command: readonly string[], values: { prompt: string; promptFile: string; model: string }): string[] {
  const out: string[] = [];
  for (let i = 0; i < command.length; i++) {
    const arg = command[i]!;
    const next = command[i + 1];
    if (!values.model && arg.startsWith('-') && next === '{model}') {
      i++;
      continue;
    }
    if (!values.model && arg === '{model}') continue;
    out.push(
      arg.replace(/\{(prompt|promptFile|model)\}/g, (_, key: 'prompt' | 'promptFile' | 'model') => values[key]),
    );
  }
  return out;
}
