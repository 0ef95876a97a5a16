import { isAbsolute, resolve } from 'node:path';
import { checkFileScope, readDoc, readTail } from './files.js';
import type { RepoPaths } from '../core/index.js';
import { attemptFiles } from '../core/index.js';
import type { Attempt, Enrichment, Failure, Task } from '../core/index.js';
import { blockingFindings, failingChecks } from './classify.js';
import { extractFailingTests, formatFailingTest } from './test-names.js';
import { capText, stripAnsi, tailText } from './text.js';

export { checkFileScope, readTail, DOC_FILE_CAP } from './files.js';

/**
 * Enrichment: what the next attempt is told that the previous one was missing. Built per failure
 * class from recorded evidence (checks and their logs, review findings, conflicting files, the
 * attempt log) plus what the human adds (a corrected direction, a narrowed file scope, documents).
 * Every section is capped and the whole text too, so a huge CI log never floods a prompt.
 */

export interface EnrichCaps {
  /** Lines kept from the end of each failing log. */
  logLines: number;
  /** Characters kept from the end of each failing log. */
  logChars: number;
  /** Characters of one section (findings, test names, ...). */
  sectionChars: number;
  /** Characters of one attached document. */
  docChars: number;
  /** Characters of the whole enrichment text. */
  totalChars: number;
  /** Bytes read from the end of a log file for its tail. */
  readBytes: number;
  /** Bytes read from the end of a log file when looking for failing test names (they may be printed early). */
  scanBytes: number;
}

export const DEFAULT_CAPS: EnrichCaps = {
  logLines: 60,
  logChars: 4000,
  sectionChars: 4000,
  docChars: 12_000,
  totalChars: 24_000,
  readBytes: 512 * 1024,
  scanBytes: 16 * 1024 * 1024,
};

export interface EnrichInput {
  paths: RepoPaths;
  task: Task;
  /** The attempt that failed. */
  attempt: Attempt;
  failure: Failure | null;
  /** Worktree the narrowed file scope must stay inside (the task's worktree). */
  worktree: string;
  /** Where relative --doc paths are resolved from. */
  cwd: string;
  note?: string;
  files?: string[];
  docs?: string[];
  caps?: Partial<EnrichCaps>;
  /** The review module's text for review_flagged (blocking findings first); the built-in list otherwise. */
  reviewText?: (task: Task) => string;
}

interface Section {
  kind: string;
  title: string;
  text: string;
  /** Filler sections get what is left of the total budget, lowest number first (documents 1, logs 2). */
  filler?: number;
  /** Shown in a code fence; cut from the start (the end of a log matters most). */
  code?: boolean;
}

function logFile(paths: RepoPaths, log: string): string {
  return isAbsolute(log) ? log : resolve(paths.root, log);
}

/** Files the rebased gate (or the failure evidence) names as conflicting. */
export function conflictingFiles(task: Task, failure: Failure | null): string[] {
  const gate = task.gates.rebased;
  if (gate?.files) return gate.files;
  const texts = [gate?.state === 'fail' ? gate.detail : undefined, failure?.class === 'conflicts' ? failure.evidence : undefined];
  for (const text of texts) {
    if (!text) continue;
    // "conflicts with main in a.ts, b.ts" (the rebased gate) or "...: a.ts, b.ts".
    const inList = / in ((?:[^\s,]+(?:, )?)+)\s*$/.exec(text);
    const after = inList ? inList[1]! : text.includes(':') ? text.slice(text.lastIndexOf(':') + 1) : text;
    const files = after
      .split(/[,\s]+/)
      .map((s) => s.trim().replace(/^["'`]|["'`.;]$/g, ''))
      // From an "in a, b" list every name is a file; from free text only what looks like a path.
      .filter((s) => s && (inList !== null || (/[./]/.test(s) && !/^\d+(\.\d+)?$/.test(s))));
    if (files.length) return [...new Set(files)];
  }
  return [];
}

async function ciSections(input: EnrichInput, caps: EnrichCaps): Promise<Section[]> {
  const sections: Section[] = [];
  const checks = failingChecks(input.task);
  const names = checks.map((c) => `- ${c.name}${c.detail ? `: ${c.detail.split('\n')[0]}` : ''}`);
  if (names.length) sections.push({ kind: 'failing-checks', title: 'Failing checks', text: names.join('\n') });
  else if (input.failure?.evidence) sections.push({ kind: 'failing-checks', title: 'Failing checks', text: input.failure.evidence });
  const tests: string[] = [];
  const tails: Section[] = [];
  for (const c of checks) {
    const raw = c.log ? await readTail(logFile(input.paths, c.log), caps.scanBytes) : null;
    const text = raw ?? c.detail ?? '';
    for (const t of extractFailingTests(text)) tests.push(`- ${formatFailingTest(t)}`);
    if (raw) {
      const tail = tailText(stripAnsi(raw.slice(-caps.readBytes)), caps.logLines, caps.logChars);
      tails.push({ kind: 'check-logs', title: `End of the log of check "${c.name}"`, text: tail, filler: 2, code: true });
    }
  }
  if (!checks.length && input.failure?.evidence) {
    for (const t of extractFailingTests(input.failure.evidence)) tests.push(`- ${formatFailingTest(t)}`);
  }
  if (tests.length) {
    sections.push({ kind: 'failing-tests', title: 'Failing tests (make these pass; do not delete or skip them)', text: [...new Set(tests)].join('\n') });
  }
  return [...sections, ...tails];
}

function reviewSection(task: Task): Section[] {
  const findings = blockingFindings(task);
  if (!findings.length) return [];
  const lines = findings.map(
    (f) => `- ${f.file}${f.line ? `:${f.line}` : ''} [${f.severity}${f.category ? `/${f.category}` : ''}] ${f.message.trim().replace(/\s+/g, ' ')}`,
  );
  return [{ kind: 'review-findings', title: 'Review findings you must resolve (constraints on this attempt)', text: lines.join('\n') }];
}

async function agentLogTail(input: EnrichInput, caps: EnrichCaps): Promise<Section[]> {
  const file = attemptFiles(input.paths, input.task.id, input.attempt.n).log;
  const raw = await readTail(file, caps.readBytes);
  if (!raw?.trim()) return [];
  const tail = tailText(stripAnsi(raw), Math.min(40, caps.logLines), caps.logChars);
  return [{ kind: 'agent-log', title: "End of the previous agent's output", text: tail, filler: 2, code: true }];
}

async function classSections(input: EnrichInput, caps: EnrichCaps): Promise<Section[]> {
  const failure = input.failure;
  const evidence = failure?.evidence?.trim();
  switch (failure?.class) {
    case 'ci_failed':
      return ciSections(input, caps);
    case 'review_flagged': {
      const given = input.reviewText?.(input.task).trim();
      if (given) return [{ kind: 'review-findings', title: 'Review findings you must resolve (constraints on this attempt)', text: given }];
      const s = reviewSection(input.task);
      return s.length ? s : evidence ? [{ kind: 'gate-failure', title: 'What failed the definition of done', text: evidence }] : [];
    }
    case 'conflicts': {
      const files = conflictingFiles(input.task, failure);
      const base = input.task.base;
      const text = [
        files.length ? `These files conflict with \`${base}\`:\n${files.map((f) => `- ${f}`).join('\n')}` : `The branch conflicts with \`${base}\`.`,
        `Rebase this branch onto \`${base}\` (\`git rebase ${base}\`), resolve each conflict keeping the intent of both sides, run the checks again and commit. Do not merge \`${base}\` into the branch.`,
      ].join('\n\n');
      return [{ kind: 'conflicts', title: 'Conflicts with the base branch', text }];
    }
    case 'crashed':
      return [
        { kind: 'crash', title: 'The previous agent exited with an error', text: evidence || 'It exited with a non-zero status.' },
        ...(await agentLogTail(input, caps)),
      ];
    case 'no_progress':
      return [
        {
          kind: 'no-progress',
          title: 'The previous attempt made no progress',
          text: `${evidence ? `${evidence}\n\n` : ''}It stopped without committing anything useful. Start with the smallest change that moves the task forward, and commit as you go.`,
        },
      ];
    case 'context_exhausted':
      return [
        {
          kind: 'context-budget',
          title: 'The previous attempt ran out of context',
          text: `${evidence ? `${evidence}\n\n` : ''}Its committed work is on this branch. Keep your context small: read only the files you need (search, then open ranges), never print whole large files or logs, and commit after each step.`,
        },
      ];
    case 'off_track':
      return input.note ? [] : [{ kind: 'off-track', title: 'The previous attempt went the wrong way', text: evidence || 'A human judged it off track; re-read the task.' }];
    case 'needs_knowledge':
      return evidence && evidence !== input.note ? [{ kind: 'needs-knowledge', title: 'Knowledge the previous attempt lacked', text: evidence }] : [];
    default:
      return [];
  }
}

/**
 * Gates of the definition of done that failed too but that the class's sections do not cover (the
 * monitor files an attempt under the first failing gate only): without them the next attempt fixes
 * one gate and fails on the next.
 */
function otherFailedGates(input: EnrichInput, covered: Section[]): Section[] {
  const failure = input.failure;
  if (!failure) return [];
  const primary = /^gate ([^:\s]+):/.exec(failure.evidence)?.[1];
  const kinds = new Set(covered.map((s) => s.kind));
  const done = new Set<string>();
  if (primary && (kinds.has('gate-failure') || kinds.has('failing-checks') || kinds.has('conflicts'))) done.add(primary);
  if (kinds.has('failing-checks')) done.add('ci');
  if (kinds.has('review-findings')) done.add('reviews');
  if (kinds.has('conflicts')) done.add('rebased');
  const lines: string[] = [];
  for (const [name, gate] of Object.entries(input.task.gates ?? {})) {
    if (gate.state !== 'fail' || done.has(name)) continue;
    const output = gate.output?.trim();
    lines.push(`- gate ${name}: ${gate.detail}${output ? `\n\n\`\`\`\n${tailText(stripAnsi(output), 20, 1500)}\n\`\`\`` : ''}`);
  }
  if (!lines.length) return [];
  return [{ kind: 'other-gates', title: 'Other gates that failed (fix these too)', text: lines.join('\n') }];
}

/** Joins sections within the caps: fixed sections first (each capped), then fillers in what is left. */
function assemble(sections: Section[], caps: EnrichCaps): { text: string; kinds: string[] } {
  const render = (s: Section, text: string) => `### ${s.title}\n\n${s.code ? `\`\`\`\n${text}\n\`\`\`` : text}`;
  const cut = (s: Section, max: number) =>
    s.text.length <= max ? s.text : s.code ? tailText(s.text, Number.MAX_SAFE_INTEGER, max) : capText(s.text, max);
  const fixed = sections.filter((s) => !s.filler).map((s) => ({ s, text: render(s, cut(s, caps.sectionChars)) }));
  let used = fixed.reduce((n, f) => n + f.text.length + 2, 0);
  const out = new Map<Section, string>(fixed.map((f) => [f.s, f.text]));
  for (const s of sections.filter((x) => x.filler).sort((a, b) => a.filler! - b.filler!)) {
    const left = caps.totalChars - used - s.title.length - 40;
    if (left < 200) continue;
    const text = render(s, cut(s, left));
    out.set(s, text);
    used += text.length + 2;
  }
  const kept = sections.filter((s) => out.has(s));
  const text = capText(kept.map((s) => out.get(s)!).join('\n\n'), caps.totalChars);
  return { text, kinds: [...new Set(kept.map((s) => s.kind))] };
}

/** Builds the enrichment for the next attempt. Throws a UsageError on a bad --files or --doc. */
export async function buildEnrichment(input: EnrichInput): Promise<Enrichment> {
  const caps = { ...DEFAULT_CAPS, ...input.caps };
  const sections: Section[] = [];
  const note = input.note?.trim();
  if (note) sections.push({ kind: 'note', title: 'Corrected direction (from the human; this overrides the task where they differ)', text: note });
  const forClass = await classSections(input, caps);
  sections.push(...forClass);
  if (input.failure && ['ci_failed', 'review_flagged', 'conflicts'].includes(input.failure.class)) sections.push(...otherFailedGates(input, forClass));
  const files = input.files?.length ? checkFileScope(input.files, input.worktree, input.paths.root) : [];
  if (files.length) {
    sections.push({
      kind: 'files',
      title: 'File scope',
      text: `Change only these files and folders:\n${files.map((f) => `- ${f}`).join('\n')}\nAsk before touching anything else.`,
    });
  }
  const docs = [];
  for (const d of input.docs ?? []) docs.push(await readDoc(d, input.cwd, caps.docChars));
  for (const d of docs) sections.push({ kind: 'docs', title: `Document: ${d.name}`, text: d.text, filler: 1 });
  const { text, kinds } = assemble(sections, caps);
  return {
    kinds,
    text,
    ...(note ? { note } : {}),
    ...(files.length ? { files } : {}),
    ...(docs.length ? { docs: docs.map((d) => d.path) } : {}),
  };
}
