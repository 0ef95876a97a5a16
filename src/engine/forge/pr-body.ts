import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';

/** Where a PR description template is looked for, first found wins. */
export const TEMPLATE_PATHS = ['.flotilla/pr-template.md', '.github/pull_request_template.md', '.github/PULL_REQUEST_TEMPLATE.md'];

/** The PR template text (from the main checkout), or null when the repository has none. */
export async function readPrTemplate(repoRoot: string): Promise<string | null> {
  for (const rel of TEMPLATE_PATHS) {
    try {
      return await readFile(join(repoRoot, rel), 'utf8');
    } catch {
      // Try the next one.
    }
  }
  return null;
}

/** Markdown headings of a template ("## Summary"), which a description must keep. */
export function templateHeadings(template: string): string[] {
  return template
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^#{1,6}\s+\S/.test(l));
}

/** Headings of the template missing from a PR body. */
export function missingHeadings(template: string, body: string): string[] {
  const have = new Set(body.split('\n').map((l) => l.trim().replace(/\s+/g, ' ')));
  return templateHeadings(template).filter((h) => !have.has(h.replace(/\s+/g, ' ')));
}

export interface PrBodyInput {
  template: string | null;
  prompt: string;
  commits: Array<{ sha: string; subject: string }>;
  diffstat: string;
  /** Absolute paths of screenshots the worker saved (local forge: shown as images). */
  screenshots?: string[];
}

/**
 * A local PR description: the template (kept whole, so its headings stay), then the task, the
 * commit list and the diffstat.
 */
export function composePrBody(i: PrBodyInput): string {
  const parts: string[] = [];
  if (i.template?.trim()) parts.push(i.template.trim());
  const firstLines = i.prompt.trim().split('\n').slice(0, 12).join('\n');
  parts.push(`### Task\n\n${firstLines}`);
  parts.push(`### Commits\n\n${i.commits.map((c) => `- ${c.sha.slice(0, 10)} ${c.subject}`).join('\n') || '- (none)'}`);
  parts.push(`### Diffstat\n\n\`\`\`\n${i.diffstat.trim() || '(no changes)'}\n\`\`\``);
  if (i.screenshots?.length) {
    // Markdown images (file URLs: the local forge's PR lives on this machine); spaces and
    // parentheses escaped so the link stays one link.
    const url = (p: string) => encodeURI(`file://${p}`).replace(/\(/g, '%28').replace(/\)/g, '%29');
    parts.push(`### Screenshots\n\n${i.screenshots.map((p) => `![${basename(p).replace(/[[\]]/g, '')}](${url(p)})`).join('\n')}`);
  }
  return `${parts.join('\n\n')}\n`;
}

/** Parses `git log --format=%H%x00%s`. */
export function parseLogSubjects(output: string): Array<{ sha: string; subject: string }> {
  return output
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [sha = '', subject = ''] = line.split('\0');
      return { sha, subject };
    })
    .filter((c) => c.sha);
}
