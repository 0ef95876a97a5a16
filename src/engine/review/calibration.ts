import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withFileLock } from '../fs/index.js';
import { writeFileAtomic } from '../fs/index.js';
import type { RepoPaths } from '../core/index.js';
import type { MergedFinding } from './consensus.js';

/**
 * Trust per reviewer (model × role), learned from outcomes: the human marks a finding useful or
 * noise, and a finding whose lines the next attempt changed counts as acted on. Kept in
 * `.flotilla/calibration.json` (0600). Each outcome is keyed by "<task>:<finding id>", so marking
 * the same finding twice replaces the first mark instead of counting twice; a human mark wins over
 * "acted on".
 *
 * precision = (useful + acted on) / outcomes. A reviewer is low-precision once it has at least
 * MIN_SAMPLES outcomes and precision below LOW_PRECISION; its non-critical findings are folded
 * (hidden unless asked for) when no better-trusted reviewer reported them too.
 */

export const LOW_PRECISION = 0.34;
export const MIN_SAMPLES = 3;
/** Trust of a reviewer without enough outcomes yet. */
export const PRIOR_TRUST = 0.5;

export type Outcome = 'useful' | 'noise' | 'acted';

export interface CalibrationEntry {
  model: string;
  role: string;
  useful: number;
  noise: number;
  actedOn: number;
  /** useful + actedOn over all outcomes; null before the first one. */
  precision: number | null;
  /** "<task>:<finding>" -> outcome. */
  outcomes: Record<string, Outcome>;
}

export interface CalibrationData {
  version: 1;
  reviewers: Record<string, CalibrationEntry>;
}

export function calibrationFile(paths: Pick<RepoPaths, 'stateDir'>): string {
  return join(paths.stateDir, 'calibration.json');
}

export function reviewerKey(model: string, role: string): string {
  return `${model}×${role}`;
}

function empty(): CalibrationData {
  return { version: 1, reviewers: {} };
}

/** Reads the file; a missing or unreadable one counts as no calibration (it is advisory). */
export async function readCalibration(file: string): Promise<CalibrationData> {
  try {
    const raw = JSON.parse(await readFile(file, 'utf8')) as Partial<CalibrationData>;
    if (raw && raw.version === 1 && typeof raw.reviewers === 'object' && raw.reviewers) return raw as CalibrationData;
  } catch {
    // Missing or corrupt: start from nothing; the next write replaces a corrupt file.
  }
  return empty();
}

function recount(e: CalibrationEntry): void {
  const values = Object.values(e.outcomes);
  e.useful = values.filter((v) => v === 'useful').length;
  e.noise = values.filter((v) => v === 'noise').length;
  e.actedOn = values.filter((v) => v === 'acted').length;
  e.precision = values.length ? (e.useful + e.actedOn) / values.length : null;
}

export interface OutcomeRecord {
  model: string;
  role: string;
  /** "<task>:<finding id>". */
  key: string;
  outcome: Outcome;
}

/** Records outcomes under a lock; "acted" never replaces a human mark. */
export async function recordOutcomes(file: string, records: readonly OutcomeRecord[]): Promise<CalibrationData> {
  return withFileLock(`${file}.lock`, async () => {
    const data = await readCalibration(file);
    for (const r of records) {
      const k = reviewerKey(r.model, r.role);
      const entry = (data.reviewers[k] ??= { model: r.model, role: r.role, useful: 0, noise: 0, actedOn: 0, precision: null, outcomes: {} });
      const previous = entry.outcomes[r.key];
      if (r.outcome === 'acted' && previous && previous !== 'acted') continue;
      entry.outcomes[r.key] = r.outcome;
      recount(entry);
    }
    await writeFileAtomic(file, `${JSON.stringify(data, null, 2)}\n`);
    return data;
  });
}

export function samples(e: CalibrationEntry | undefined): number {
  return e ? Object.keys(e.outcomes).length : 0;
}

/** Calibrated trust in 0..1: precision once there are enough outcomes, else the prior. */
export function trustFrom(data: CalibrationData) {
  return (model: string, role: string): number => {
    const e = data.reviewers[reviewerKey(model, role)];
    return e && samples(e) >= MIN_SAMPLES && e.precision !== null ? e.precision : PRIOR_TRUST;
  };
}

export function isLowPrecision(data: CalibrationData, model: string, role: string): boolean {
  const e = data.reviewers[reviewerKey(model, role)];
  return Boolean(e && samples(e) >= MIN_SAMPLES && e.precision !== null && e.precision < LOW_PRECISION);
}

/** Folded: not critical, and every reviewer that reported it is low-precision. */
export function shouldFold(f: Pick<MergedFinding, 'severity' | 'sources'>, data: CalibrationData): boolean {
  if (f.severity === 'critical' || f.sources.length === 0) return false;
  return f.sources.every((s) => isLowPrecision(data, s.model, s.role));
}
