import { createHash } from 'node:crypto';
import { SEVERITY_RANK, type RawFinding } from './parse.js';

/**
 * Consensus: findings from different reviewers about the same file, nearby lines (within
 * LINE_WINDOW) and the same normalised category are one merged finding. A merged finding lists its
 * reviewers, takes the highest severity, and is "agreed" when two or more distinct reviewers
 * reported it. Its id is stable across runs (a hash of file, line bucket and category), so a
 * dismissal or a mark survives a re-review of unchanged code.
 */

export const LINE_WINDOW = 3;
/** Lines per id bucket: findings whose first line moves within a bucket keep their id. */
export const LINE_BUCKET = 10;

/** A finding as one reviewer (role × model) reported it. */
export interface SourcedFinding extends RawFinding {
  role: string;
  profile: string;
  /** The model, or the profile name when the reviewer names none. */
  model: string;
}

// A merged finding is persisted in task.review: its shape lives with the registry schema.
export type { FindingMark, FindingSource, MergedFinding } from '../core/index.js';
import type { MergedFinding } from '../core/index.js';

const CATEGORY_SYNONYMS: Readonly<Record<string, string>> = {
  bug: 'correctness',
  bugs: 'correctness',
  logic: 'correctness',
  logicerror: 'correctness',
  correctness: 'correctness',
  edgecase: 'correctness',
  edgecases: 'correctness',
  error: 'correctness',
  errorhandling: 'error-handling',
  errors: 'error-handling',
  exceptionhandling: 'error-handling',
  security: 'security',
  sec: 'security',
  vulnerability: 'security',
  injection: 'security',
  perf: 'performance',
  performance: 'performance',
  efficiency: 'performance',
  style: 'conventions',
  convention: 'conventions',
  conventions: 'conventions',
  naming: 'conventions',
  formatting: 'conventions',
  readability: 'conventions',
  test: 'tests',
  tests: 'tests',
  testing: 'tests',
  coverage: 'tests',
  doc: 'docs',
  docs: 'docs',
  documentation: 'docs',
};

/** "Logic Error" / "logic_error" / "bug" -> "correctness"; unknown categories lowercased and dashed. */
export function normaliseCategory(category: string): string {
  const lower = category.trim().toLowerCase();
  const key = lower.replace(/[^a-z0-9]+/g, '');
  return CATEGORY_SYNONYMS[key] ?? (lower.replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'general');
}

export function findingId(file: string, line: number, category: string): string {
  const bucket = Math.floor(line / LINE_BUCKET);
  return createHash('sha1').update(`${file}\0${bucket}\0${category}`).digest('hex').slice(0, 8);
}

interface Cluster {
  file: string;
  category: string;
  members: SourcedFinding[];
}

function near(cluster: Cluster, f: SourcedFinding): number {
  let best = Number.POSITIVE_INFINITY;
  for (const m of cluster.members) {
    if ((m.line === 0) !== (f.line === 0)) continue;
    best = Math.min(best, Math.abs(m.line - f.line));
  }
  return best;
}

/** Groups findings; a finding joins the nearest cluster within the window that its role is not already in. */
export function clusterFindings(findings: readonly SourcedFinding[]): SourcedFinding[][] {
  const clusters: Cluster[] = [];
  const sorted = [...findings].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  for (const f of sorted) {
    const category = normaliseCategory(f.category);
    let target: Cluster | undefined;
    let distance = Number.POSITIVE_INFINITY;
    for (const c of clusters) {
      if (c.file !== f.file || c.category !== category) continue;
      if (c.members.some((m) => m.role === f.role)) continue;
      const d = near(c, f);
      if (d <= LINE_WINDOW && d < distance) {
        target = c;
        distance = d;
      }
    }
    if (target) target.members.push(f);
    else clusters.push({ file: f.file, category, members: [f] });
  }
  return clusters.map((c) => c.members);
}

/** Trust of a reviewer (role × model) in 0..1; the caller supplies calibration. */
export type TrustOf = (model: string, role: string) => number;

function merge(members: SourcedFinding[]): MergedFinding {
  const ranked = [...members].sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity]);
  const lead = ranked[0]!;
  const reviewers = [...new Set(members.map((m) => m.role))];
  const line = Math.min(...members.map((m) => m.line));
  const category = normaliseCategory(lead.category);
  return {
    id: findingId(lead.file, line, category),
    file: lead.file,
    line,
    severity: lead.severity,
    category,
    message: lead.message,
    reviewers,
    agreed: reviewers.length >= 2,
    sources: members.map((m) => ({
      role: m.role,
      profile: m.profile,
      model: m.model,
      line: m.line,
      severity: m.severity,
      category: m.category,
      message: m.message,
    })),
  };
}

/** The best trust among a finding's reviewers. */
export function findingTrust(f: Pick<MergedFinding, 'sources'>, trust: TrustOf): number {
  return Math.max(0, ...f.sources.map((s) => trust(s.model, s.role)));
}

/** Agreed first, then calibrated trust, then severity, then more reviewers, then file and line. */
export function rankFindings<T extends MergedFinding>(findings: readonly T[], trust: TrustOf): T[] {
  return [...findings].sort(
    (a, b) =>
      Number(b.agreed) - Number(a.agreed) ||
      findingTrust(b, trust) - findingTrust(a, trust) ||
      SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
      b.reviewers.length - a.reviewers.length ||
      a.file.localeCompare(b.file) ||
      a.line - b.line,
  );
}

/** Drops a reviewer's repeats of itself (same file, line and category, e.g. from two diff parts), keeping the most severe. */
export function dedupeSameReviewer(findings: readonly SourcedFinding[]): SourcedFinding[] {
  const byKey = new Map<string, SourcedFinding>();
  for (const f of findings) {
    const key = `${f.role}\0${f.file}\0${f.line}\0${normaliseCategory(f.category)}`;
    const seen = byKey.get(key);
    if (!seen || SEVERITY_RANK[f.severity] > SEVERITY_RANK[seen.severity]) byKey.set(key, f);
  }
  return [...byKey.values()];
}

/** Dedupes, clusters, merges, gives colliding ids a suffix, and ranks. */
export function buildConsensus(findings: readonly SourcedFinding[], trust: TrustOf = () => 0.5): MergedFinding[] {
  const merged = clusterFindings(dedupeSameReviewer(findings)).map(merge);
  const seen = new Map<string, number>();
  for (const f of merged) {
    const n = (seen.get(f.id) ?? 0) + 1;
    seen.set(f.id, n);
    if (n > 1) f.id = `${f.id}-${n}`;
  }
  return rankFindings(merged, trust);
}
