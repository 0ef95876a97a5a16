import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { FlotillaConfig, GateConfig } from '../core/index.js';
import { resolveProfile } from '../agents/index.js';
import type { Attempt, Task } from '../core/index.js';
import type { RepoPaths } from '../core/index.js';
import { screenshotsDir } from '../core/index.js';

/**
 * Prompt composition for a worker attempt. A worker gets only what its task needs: the brief, the
 * context files named on the task, learnings that match it, the definition of done, and on retries
 * the enrichment. Nothing else from the orchestrator's context.
 */

/**
 * Largest context file (bytes): `add --context` refuses bigger ones, and a file that grew past it
 * after `add` is cut here with a marker. 64 KiB keeps a prompt with a few of them under the 128 KiB
 * Linux allows a single argument (the built-in profiles pass the prompt as one).
 */
export const CONTEXT_FILE_CAP = 64 * 1024;
export const LEARNINGS_CAP = 8;

/** One line of `.flotilla/learnings.jsonl`. */
export interface Learning {
  at: string;
  taskId: string;
  /** Failure class the enriched retry recovered from. */
  class: string;
  /** Enrichment kinds that worked (e.g. "failing-tests", "note"). */
  enrichment: string[];
  tags: string[];
  /** Paths the successful attempt touched (repository-relative). */
  paths: string[];
  /** One sentence for humans and prompts. */
  sentence: string;
}

export interface PromptPart {
  kind: 'brief' | 'context' | 'learnings' | 'done' | 'enrichment';
  title: string;
  text: string;
}

export interface ComposedPrompt {
  /** The prompt text given to the agent (brief, context, learnings, definition of done). */
  prompt: string;
  /** Retry context, delivered the profile's way (system-prompt argv or appended to the prompt). */
  extraContext: string | null;
  parts: PromptPart[];
  learnings: Learning[];
}

export interface ComposeInput {
  paths: RepoPaths;
  config: FlotillaConfig;
  task: Task;
  /** The attempt being started; its enrichment (if any) becomes extraContext. */
  attempt?: Attempt | null;
  /** Paths touched so far (for learning matches); optional. */
  touchedPaths?: string[];
}

function gateName(g: GateConfig): string {
  return typeof g === 'string' ? g : g.name;
}

const GATE_SENTENCES: Record<string, string> = {
  pr: 'Commit your work on the current branch with clear commit messages; flotilla opens the pull request from it.',
  rebased: 'Keep the branch up to date with its base and free of conflicts.',
  reviews: 'Code review by other models must find no blocking problem.',
};

/** What the `ci` gate asks, said truly for the checks configured and the forge. */
function ciSentence(config: FlotillaConfig): string {
  const checks = config.checks.map((c) => `\`${c.command.join(' ')}\``);
  if (checks.length) return `Every configured check must pass: ${checks.join(', ')}.`;
  if (config.forge === 'github') return 'Every check GitHub runs on the pull request must pass.';
  if (config.forge === 'local') return 'No CI checks are configured, so none runs on your branch: test your change yourself before you finish.';
  return 'No local CI checks are configured: if the repository is on GitHub, every check GitHub runs on the pull request must pass; otherwise none runs, so test your change yourself.';
}

/**
 * The definition of done told to a worker. `worktree` (the attempt's) makes the screenshots folder
 * exact: the one the gate reads (screenshotsDir).
 */
export function definitionOfDone(config: FlotillaConfig, taskId: string, worktree?: string): string {
  const lines: string[] = [];
  for (const g of config.gates) {
    const name = gateName(g);
    if (name === 'ci') {
      lines.push(`- ${ciSentence(config)}`);
    } else if (name === 'screenshots') {
      const dir = worktree ? screenshotsDir(worktree) : '<your worktree>/.flotilla/screenshots';
      lines.push(`- If you change the user interface, save a screenshot (PNG, JPEG, GIF, WebP or SVG) in ${dir}/ (it is not committed; flotilla shows it in the pull request).`);
    } else if (GATE_SENTENCES[name]) {
      lines.push(`- ${GATE_SENTENCES[name]!.replace('<task>', taskId)}`);
    } else if (typeof g === 'object' && 'command' in g) {
      lines.push(`- The check \`${g.command.join(' ')}\` must pass.`);
    }
  }
  lines.push('- Leave the working tree clean (everything committed) when you are done.');
  return lines.join('\n');
}

/** Reads learnings; bad lines are skipped. A missing file is no learnings. */
export async function readLearnings(file: string): Promise<Learning[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return [];
  }
  const out: Learning[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const l = JSON.parse(line) as Learning;
      if (typeof l.sentence === 'string' && Array.isArray(l.tags) && Array.isArray(l.paths)) out.push(l);
    } catch {
      // skip a torn or hand-edited line
    }
  }
  return out;
}

function pathsOverlap(a: string[], b: string[]): boolean {
  const dirs = (p: string) => p.split('/').slice(0, -1).join('/');
  return a.some((x) => b.some((y) => x === y || (dirs(x) !== '' && dirs(x) === dirs(y))));
}

/** Learnings whose tags or paths match the task, newest first, capped. */
export function matchLearnings(all: Learning[], task: Task, touched: string[] = []): Learning[] {
  const taskPaths = [...task.context, ...touched];
  return all
    .filter((l) => l.taskId !== task.id)
    .filter((l) => l.tags.some((t) => task.tags.includes(t)) || pathsOverlap(l.paths, taskPaths))
    .reverse()
    .slice(0, LEARNINGS_CAP);
}

async function readContextFile(root: string, rel: string): Promise<string> {
  const full = isAbsolute(rel) ? rel : resolve(root, rel);
  try {
    const text = await readFile(full, 'utf8');
    return text.length > CONTEXT_FILE_CAP ? `${text.slice(0, CONTEXT_FILE_CAP)}\n[… truncated at ${CONTEXT_FILE_CAP} bytes]` : text;
  } catch (err) {
    return `[could not read ${rel}: ${(err as NodeJS.ErrnoException).code ?? String(err)}]`;
  }
}

export async function composePrompt(input: ComposeInput): Promise<ComposedPrompt> {
  const { paths, config, task } = input;
  if (task.kind === 'orchestrator') {
    // The coordinator's instructions are its whole prompt: no definition of done, no learnings.
    return { prompt: task.prompt, extraContext: null, parts: [{ kind: 'brief', title: 'Orchestrator', text: task.prompt }], learnings: [] };
  }
  const parts: PromptPart[] = [{ kind: 'brief', title: 'Task', text: task.prompt.trim() }];
  for (const rel of task.context) {
    parts.push({ kind: 'context', title: `Context: ${rel}`, text: await readContextFile(paths.root, rel) });
  }
  const learnings = matchLearnings(await readLearnings(paths.learningsFile), task, input.touchedPaths);
  if (learnings.length) {
    parts.push({
      kind: 'learnings',
      title: 'Learned from earlier tasks',
      text: learnings.map((l) => `- ${l.sentence}`).join('\n'),
    });
  }
  parts.push({ kind: 'done', title: 'Definition of done', text: definitionOfDone(config, task.id, input.attempt?.worktree) });
  const enrichment = input.attempt?.enrichment?.text?.trim() || null;
  const prompt = parts.map((p) => (p.kind === 'brief' ? p.text : `## ${p.title}\n\n${p.text}`)).join('\n\n');
  let extraContext: string | null = null;
  if (enrichment) {
    parts.push({ kind: 'enrichment', title: 'What the previous attempt was missing', text: enrichment });
    extraContext = `## What the previous attempt was missing\n\n${enrichment}`;
  }
  // Profiles that take context in the prompt get it appended there; others get it as argv.
  const profile = resolveProfile(config, task.agent);
  if (extraContext && (profile.appendContext ?? 'prompt') === 'prompt') {
    return { prompt: `${prompt}\n\n${extraContext}`, extraContext: null, parts, learnings };
  }
  return { prompt, extraContext, parts, learnings };
}
