import type { FlotillaConfig } from '../core/index.js';
import { shouldFold, trustFrom, type CalibrationData } from './calibration.js';
import { rankFindings } from './consensus.js';
import { isBlocking } from './gate.js';
import { reviewersOf } from './roles.js';
import type { ReviewRecord } from './types.js';

/**
 * Sets `folded` on a review's findings from the current calibration and re-ranks them. A finding
 * that blocks the gate is never folded (the human must see what holds the task back).
 */
export function applyFolding(review: ReviewRecord, calibration: CalibrationData, config: FlotillaConfig): void {
  const roles = new Set(reviewersOf(config).filter((r) => r.blocking).map((r) => r.role));
  for (const f of review.findings) {
    if (!isBlocking(f, roles) && shouldFold(f, calibration)) f.folded = true;
    else delete f.folded;
  }
  review.findings = rankFindings(review.findings, trustFrom(calibration));
}
