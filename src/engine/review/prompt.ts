import type { PreparedDiff, DiffPart } from './diff.js';

/** The JSON every reviewer is asked to answer with. */
export const FINDINGS_CONTRACT = `Answer with exactly one JSON object and nothing else (no prose, no fences):
{"findings": [{"file": "<path relative to the repository root>", "line": <line number in the new version of the file, 0 for the whole file>, "severity": "critical" | "major" | "minor" | "nit", "category": "<one or two words, e.g. logic, security, performance, conventions>", "message": "<what is wrong, why it matters, and the fix, in one to three sentences>"}]}
Severity: critical = breaks correctness, security or data; major = a real bug or risk that should be fixed before merging; minor = worth fixing; nit = cosmetic.
Report only problems introduced or exposed by this change, each once. If you find none, answer {"findings": []}.`;

export interface ReviewPromptInput {
  role: string;
  focus: string;
  title: string;
  description: string;
  diff: PreparedDiff;
  part: DiffPart;
}

/** Caps that keep a prompt (one argv element for most CLIs) under Linux's 128 KiB per argument, with the diff part. */
export const DESCRIPTION_CAP = 6000;
export const FILE_LIST_CAP = 16_000;

function capText(text: string, cap: number, what: string): string {
  return text.length <= cap ? text : `${text.slice(0, cap)}\n[flotilla: ${what} cut at ${cap} characters]`;
}

function fileList(lines: readonly string[]): string {
  const out: string[] = [];
  let size = 0;
  for (const l of lines) {
    if (size + l.length + 1 > FILE_LIST_CAP) {
      out.push(`[flotilla: and ${lines.length - out.length} more files]`);
      break;
    }
    out.push(l);
    size += l.length + 1;
  }
  return out.join('\n');
}

/** The prompt for one reviewer and one part of the diff. */
export function reviewPrompt(i: ReviewPromptInput): string {
  const { diff, part } = i;
  const partNote =
    diff.parts.length > 1
      ? `This is part ${part.index} of ${diff.parts.length} of the diff; review only what is shown here.`
      : 'This is the whole diff.';
  const omitted = diff.omittedFiles.length
    ? `\nThe diff of these files is NOT shown (over the size cap); do not guess about them: ${diff.omittedFiles.join(', ')}`
    : '';
  return `You are the "${i.role}" reviewer of a pull request, one of several reviewers with different focuses.
Your focus: ${i.focus}
Review only: do not modify, create or delete files. You may read files in this working tree for context.

## Pull request
Title: ${i.title}

${capText(i.description.trim(), DESCRIPTION_CAP, 'description') || '(no description)'}

## Changed files (${diff.fileList.length})
${fileList(diff.fileList)}

## Diff against the base (${diff.base.slice(0, 12)}..${diff.head.slice(0, 12)})
${partNote}${omitted}

\`\`\`diff
${part.patches.join('')}\`\`\`

## Answer
${FINDINGS_CONTRACT}
`;
}
