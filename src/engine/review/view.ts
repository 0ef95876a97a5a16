import type { MergedFinding } from './consensus.js';
import type { ReviewRecord } from './types.js';

/** Findings shown by default: not folded and not dismissed (agreed first, as ranked). */
export function visibleFindings(review: ReviewRecord, all = false): MergedFinding[] {
  return all ? review.findings : review.findings.filter((f) => !f.folded && !f.dismissed);
}

/**
 * The JSON of `flotilla review <task> --json`:
 * { findings: [{ id, file, line, severity, category, message, reviewers, agreed }], errors: [...] }.
 * With `all`, folded and dismissed findings are included and each carries its flags.
 */
export function reviewJson(review: ReviewRecord, all = false) {
  return {
    findings: visibleFindings(review, all).map((f) => ({
      id: f.id,
      file: f.file,
      line: f.line,
      severity: f.severity,
      category: f.category,
      message: f.message,
      reviewers: f.reviewers,
      agreed: f.agreed,
      ...(all ? { dismissed: Boolean(f.dismissed), folded: Boolean(f.folded), mark: f.mark ?? null, actedOn: Boolean(f.actedOn) } : {}),
    })),
    errors: review.errors.map((e) => ({ role: e.role, profile: e.profile, model: e.model, message: e.message })),
  };
}
