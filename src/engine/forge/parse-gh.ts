import { z } from 'zod';
import { FlotillaError } from '../core/index.js';
import type { CheckRun } from '../core/index.js';

/** Pure parsers of gh JSON output. Output that is not what we expect is an error, never trusted. */

export class GhOutputError extends FlotillaError {
  override name = 'GhOutputError';
}

const ghPr = z.looseObject({
  number: z.number().int().positive(),
  url: z.string(),
  title: z.string(),
  body: z.string().nullable().optional(),
  state: z.enum(['OPEN', 'MERGED', 'CLOSED']),
  headRefName: z.string(),
  baseRefName: z.string(),
  headRefOid: z.string().optional(),
  createdAt: z.string().optional(),
});
export type GhPr = z.infer<typeof ghPr>;

const ghCheck = z.looseObject({
  name: z.string(),
  state: z.string(),
  bucket: z.enum(['pass', 'fail', 'pending', 'skipping', 'cancel']),
  link: z.string().optional().nullable(),
});

function parseJson(what: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new GhOutputError(`${what} did not print JSON: ${text.trim().slice(0, 120) || '(empty)'}`);
  }
}

function describe(what: string, err: z.ZodError): GhOutputError {
  const issue = err.issues[0]!;
  return new GhOutputError(`${what} printed unexpected JSON (${issue.path.join('.') || 'top level'}: ${issue.message})`);
}

/** Parses `gh pr list --json number,url,title,body,state,headRefName,baseRefName,headRefOid,createdAt`. */
export function parsePrList(text: string): GhPr[] {
  const r = z.array(ghPr).safeParse(parseJson('gh pr list', text));
  if (!r.success) throw describe('gh pr list', r.error);
  return r.data;
}

const ghPrState = z.looseObject({ number: z.number().int().positive(), state: ghPr.shape.state });

/** Parses `gh pr view <n> --json number,state`. */
export function parsePrView(text: string): z.infer<typeof ghPrState> {
  const r = ghPrState.safeParse(parseJson('gh pr view', text));
  if (!r.success) throw describe('gh pr view', r.error);
  return r.data;
}

const BUCKET_STATE: Record<z.infer<typeof ghCheck>['bucket'], CheckRun['state']> = {
  pass: 'pass',
  fail: 'fail',
  cancel: 'fail',
  pending: 'pending',
  skipping: 'skip',
};

/** Parses `gh pr checks --json name,state,bucket,link` into check runs. */
export function parsePrChecks(text: string): CheckRun[] {
  const r = z.array(ghCheck).safeParse(parseJson('gh pr checks', text));
  if (!r.success) throw describe('gh pr checks', r.error);
  return r.data.map((c) => ({
    name: c.name,
    state: BUCKET_STATE[c.bucket],
    detail: c.state.toLowerCase(),
    ...(c.link ? { link: c.link } : {}),
  }));
}

/** The Actions run id in a check link (…/actions/runs/<id>/job/<job>), or null. */
export function runIdFromLink(link: string | undefined): string | null {
  const m = link ? /\/actions\/runs\/(\d+)/.exec(link) : null;
  return m ? m[1]! : null;
}

/** True when a remote URL points at GitHub. */
export function isGithubRemote(url: string): boolean {
  return /^(?:https?:\/\/|ssh:\/\/)?(?:[^@/]+@)?github\.com[:/]/i.test(url.trim());
}
