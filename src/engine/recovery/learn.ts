import { readFile } from 'node:fs/promises';
import { errorMessage } from '../core/index.js';
import type { FleetContext } from '../core/index.js';
import { appendPrivateLine, writeFileAtomic } from '../fs/index.js';
import { gitArgs } from '../git/index.js';
import { MEMORY_TEMPLATE } from '../config/index.js';
import type { Learning } from '../prompt/index.js';
import { findTask } from '../tasks/index.js';
import type { Attempt, Task } from '../core/index.js';

/**
 * Learning: when a task reaches `ready` on an attempt that had an enrichment, what worked is kept:
 * one line in `.flotilla/learnings.jsonl` (the `Learning` shape of prompt/compose.ts, offered to
 * later tasks whose tags or paths match) and one sentence under "## Learnings" in MEMORY.md.
 * Exactly once per task and attempt: a marker on the task (`learned["<n>"]`) is set under the
 * registry lock together with both writes.
 */

const PATHS_CAP = 50;

/** The failure class the attempt recovered from: recorded on the attempt by retry, else the previous attempt's failure. */
export function recoveredClass(task: Task, attempt: Attempt): string {
  const retryOf = attempt.retryOf;
  if (retryOf?.class) return retryOf.class;
  const prev = task.attempts.find((a) => a.n === attempt.n - 1);
  return prev?.failure?.class ?? 'manual';
}

export function learningSentence(task: Task, attempt: Attempt, cls: string, paths: string[]): string {
  const kinds = attempt.enrichment?.kinds.length ? attempt.enrichment.kinds.join(', ') : 'a note';
  const where = paths.length ? `; it touched ${paths.slice(0, 5).join(', ')}${paths.length > 5 ? ` and ${paths.length - 5} more` : ''}` : '';
  const tags = task.tags.length ? ` [${task.tags.join(', ')}]` : '';
  return `"${task.title}"${tags}: after ${cls}, attempt ${attempt.n} passed once it was given ${kinds}${where}.`;
}

/** Adds "- sentence" at the end of the "## Learnings" section (created if missing). */
export function addToMemory(memory: string, sentence: string): string {
  const line = `- ${sentence}`;
  const lines = memory.replace(/\s+$/, '').split('\n');
  const start = lines.findIndex((l) => /^##\s+Learnings\s*$/i.test(l));
  if (start < 0) return `${lines.join('\n')}\n\n## Learnings\n\n${line}\n`;
  let end = lines.length;
  for (let i = start + 1; i < lines.length; i++) {
    if (/^#{1,2}\s/.test(lines[i]!)) {
      end = i;
      break;
    }
  }
  let at = end;
  while (at > start + 1 && !lines[at - 1]!.trim()) at--;
  const before = lines.slice(0, at);
  if (at === start + 1) before.push('');
  const after = lines.slice(end);
  return `${[...before, line, ...(after.length ? ['', ...after] : [])].join('\n')}\n`;
}

async function touchedPaths(ctx: FleetContext, task: Task, attempt: Attempt): Promise<string[]> {
  const r = await ctx.git.raw(ctx.paths.root, gitArgs.diffNames(`${task.base}...${attempt.branch}`));
  if (r.exitCode !== 0) return [];
  return r.stdout.split('\0').filter(Boolean).slice(0, PATHS_CAP);
}

/**
 * Records the learning of a task that reached `ready` on an enriched attempt. Returns the Learning
 * written, or null when there is nothing to learn or it was recorded already. Safe to call on every
 * monitor pass.
 */
export async function recordLearningIfReady(ctx: FleetContext, taskId: string, now = new Date()): Promise<Learning | null> {
  const snapshot = findTask(await ctx.registry.read(), taskId);
  const attempt = snapshot?.attempts[snapshot.attempts.length - 1];
  if (!snapshot || snapshot.state !== 'ready' || !attempt?.enrichment) return null;
  if (snapshot.learned?.[String(attempt.n)]) return null;
  const paths = await touchedPaths(ctx, snapshot, attempt);

  return ctx.registry.updateTask(taskId, async (task) => {
    const latest = task.attempts[task.attempts.length - 1];
    if (task.state !== 'ready' || !latest?.enrichment || latest.n !== attempt.n) return null;
    const learned = (task.learned ??= {});
    if (learned[String(latest.n)]) return null;
    const cls = recoveredClass(task, latest);
    const learning: Learning = {
      at: now.toISOString(),
      taskId: task.id,
      class: cls,
      enrichment: [...latest.enrichment.kinds],
      tags: [...task.tags],
      paths,
      sentence: learningSentence(task, latest, cls, paths),
    };
    await appendPrivateLine(ctx.paths.learningsFile, JSON.stringify(learning));
    let memory: string;
    try {
      memory = await readFile(ctx.paths.memoryFile, 'utf8');
    } catch {
      memory = MEMORY_TEMPLATE;
    }
    try {
      await writeFileAtomic(ctx.paths.memoryFile, addToMemory(memory, learning.sentence));
    } catch (err) {
      ctx.events.emit({ type: 'error', message: `recovery: could not update ${ctx.paths.memoryFile}: ${errorMessage(err)}` });
    }
    learned[String(latest.n)] = learning.at;
    return learning;
  });
}
