import { TaskNotFoundError, UsageError } from '../../engine/index.js';
import { createFleet, type Fleet } from '../../engine/index.js';
import { assertTaskId } from '../../engine/index.js';
import { evaluateReviewsGate } from '../../engine/index.js';
import type { MergedFinding } from '../../engine/index.js';
import { reviewOf, type ReviewRecord } from '../../engine/index.js';
import { reviewJson, visibleFindings } from '../../engine/index.js';
import { jsonText } from '../../engine/index.js';
import { parseCommandArgs } from '../args.js';
import { EXIT, type CliCommand, type CliIO } from '../io.js';

const SUBCOMMANDS = new Set(['mark', 'dismiss', 'show']);

function where(f: MergedFinding): string {
  return f.line ? `${f.file}:${f.line}` : f.file;
}

function flags(f: MergedFinding): string {
  return [f.dismissed && 'dismissed', f.folded && 'folded', f.mark && `marked ${f.mark}`, f.actedOn && 'acted on']
    .filter(Boolean)
    .join(', ');
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ');
}

/** The human-readable list: one block per finding, agreed ones marked with ●●. */
export function formatReview(taskId: string, review: ReviewRecord, gate: { state: string; detail: string }, all: boolean): string {
  const shown = visibleFindings(review, all);
  const agreed = shown.filter((f) => f.agreed).length;
  const folded = review.findings.filter((f) => f.folded && !f.dismissed).length;
  const dismissed = review.findings.filter((f) => f.dismissed).length;
  const out = [
    `review of ${taskId} attempt ${review.attempt} by ${review.roles.join(', ')}: ${shown.length} finding(s), ${agreed} agreed`,
  ];
  for (const f of shown) {
    const mark = f.agreed ? '●●' : '○ ';
    const extra = flags(f);
    out.push(`${mark} ${f.id}  ${f.severity.padEnd(8)} ${where(f)}  [${f.category}]  ${f.reviewers.join(' + ')}${extra ? `  (${extra})` : ''}`);
    out.push(`     ${oneLine(f.message)}`);
    const seen = new Set([f.message]);
    for (const s of f.sources ?? []) {
      if (seen.has(s.message)) continue;
      seen.add(s.message);
      out.push(`     ${s.role}: ${oneLine(s.message)}`);
    }
  }
  for (const e of review.errors) out.push(`error: reviewer ${e.role} (${e.model}) failed: ${e.message}`);
  for (const n of review.notes) out.push(`note: ${n}`);
  if (review.dropped) out.push(`note: ${review.dropped} malformed finding(s) in reviewer output were dropped`);
  if (!all && folded) out.push(`${folded} folded finding(s) from low-precision reviewers: flotilla review show ${taskId} --all`);
  if (!all && dismissed) out.push(`${dismissed} dismissed finding(s) hidden: flotilla review show ${taskId} --all`);
  if (review.posted && !review.posted.ok) out.push(`warning: review not posted to ${review.posted.forge}: ${review.posted.error ?? ''}`);
  out.push(`reviews gate: ${gate.state} (${gate.detail})`);
  if (gate.state === 'fail') out.push(`to accept a finding anyway: flotilla review dismiss ${taskId} <finding>`);
  return out.join('\n');
}

async function withFleet<T>(io: CliIO, fn: (fleet: Fleet) => Promise<T>): Promise<T> {
  const fleet = await createFleet({ cwd: io.cwd });
  try {
    return await fn(fleet);
  } finally {
    await fleet.close();
  }
}

function exitFor(gateState: string): number {
  return gateState === 'fail' ? EXIT.needsHuman : EXIT.ok;
}

export const reviewCommand: CliCommand = {
  name: 'review',
  summary: 'run the reviewers on a task, or show, mark and dismiss findings',
  help: `Usage: flotilla review <task> [--json] [--role ROLE]...
       flotilla review show <task> [--all] [--json]
       flotilla review mark <task> <finding> useful|noise
       flotilla review dismiss <task> <finding> [--undo]

review <task>     runs every reviewer role (config "reviewers") on the task's PR branch and prints
                  the merged findings, agreed ones (●●) first. --role re-runs only some roles;
                  the other roles' findings on the same commit are kept.
show <task>       prints the last review again; --all includes folded and dismissed findings.
mark              records whether a finding was useful or noise (calibrates that model × role).
dismiss           the reviews gate ignores the finding from now on (--undo takes it back).

A finding is named by its id or a unique prefix of it (at least 4 characters).
--json prints {"findings": [{id, file, line, severity, category, message, reviewers, agreed}],
"errors": [{role, profile, model, message}]}.

Exit codes: 0 done (no blocking finding), 3 blocking findings remain (the reviews gate fails),
1 every reviewer failed or another error, 2 bad usage.`,
  async run(args, io) {
    const { values, positionals, help } = parseCommandArgs(
      'review',
      args,
      {
        json: { type: 'boolean' },
        all: { type: 'boolean' },
        undo: { type: 'boolean' },
        role: { type: 'string', multiple: true },
      },
      { min: 1, max: 4, names: '<task>' },
    );
    if (help) return io.out(this.help), 0;
    const sub = positionals.length > 1 && SUBCOMMANDS.has(positionals[0]!) ? positionals[0]! : 'run';
    const rest = sub === 'run' ? positionals : positionals.slice(1);
    const expected = { run: 1, show: 1, dismiss: 2, mark: 3 }[sub]!;
    if (rest.length !== expected) {
      throw new UsageError(`review${sub === 'run' ? '' : ` ${sub}`}: expected ${expected} argument(s), got ${rest.length} (see \`flotilla review --help\`)`);
    }
    if (sub !== 'run' && values.role) throw new UsageError(`review ${sub}: --role applies only to running a review`);
    if (sub !== 'show' && values.all) throw new UsageError('review: --all applies only to `review show`');
    if (sub !== 'dismiss' && values.undo) throw new UsageError('review: --undo applies only to `review dismiss`');
    const id = assertTaskId(rest[0]!, 'task');

    return withFleet(io, async (fleet) => {
      if (sub === 'mark') {
        const mark = rest[2]!;
        if (mark !== 'useful' && mark !== 'noise') throw new UsageError(`review mark: the mark must be "useful" or "noise", not "${mark}"`);
        const f = await fleet.dispatch({ type: 'review.mark', id, finding: rest[1]!, mark });
        io.out(`marked ${f.id} (${where(f)}) ${mark} for ${f.sources.map((s) => `${s.model}×${s.role}`).join(', ')}`);
        return EXIT.ok;
      }
      if (sub === 'dismiss') {
        const f = await fleet.dispatch({ type: 'review.dismiss', id, finding: rest[1]!, undo: values.undo ?? false });
        io.out(`${values.undo ? 'restored' : 'dismissed'} ${f.id} (${where(f)})`);
        return EXIT.ok;
      }
      let review: ReviewRecord;
      if (sub === 'show') {
        const task = fleet.store.getState().tasks.find((t) => t.id === id);
        if (!task) throw new TaskNotFoundError(id);
        const r = reviewOf(task);
        if (!r) throw new UsageError(`task ${id} has not been reviewed yet (run \`flotilla review ${id}\`)`);
        review = r;
      } else {
        // Ctrl-C: closing the fleet cancels the review and kills the reviewers' process groups.
        const onSigint = () => void fleet.close();
        process.once('SIGINT', onSigint);
        try {
          review = await fleet.dispatch({ type: 'task.review', id, roles: values.role });
        } finally {
          process.off('SIGINT', onSigint);
        }
      }
      const task = fleet.store.getState().tasks.find((t) => t.id === id)!;
      const gate = evaluateReviewsGate(task, fleet.config);
      if (values.json) io.out(jsonText(reviewJson(review, sub === 'show' && Boolean(values.all)), 2));
      else io.out(formatReview(id, review, gate, sub === 'show' && Boolean(values.all)));
      if (sub === 'run' && review.succeeded.length === 0 && review.errors.length > 0) {
        io.err(`flotilla: every reviewer failed (${review.errors.length} error(s)); see the errors above`);
        return EXIT.error;
      }
      return exitFor(gate.state);
    });
  },
};
