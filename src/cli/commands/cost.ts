import { formatTokens, formatUsd } from '../../engine/index.js';
import type { CostReport } from '../../engine/index.js';
import { UsageError } from '../../engine/index.js';
import { createFleet } from '../../engine/index.js';
import { assertTaskId } from '../../engine/index.js';
import { jsonText } from '../../engine/index.js';
import { parseCommandArgs } from '../args.js';
import { formatTable } from '../format/table.js';
import type { CliCommand } from '../io.js';

function duration(ms: number): string {
  const m = Math.round(ms / 60000);
  return m < 60 ? `${m}m` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}`;
}

function text(report: CostReport, detail: boolean): string {
  if (!report.tasks.length) return 'no tasks yet: flotilla add "<title>" --prompt "<what to do>"';
  const rows = report.tasks.map((t) => [
    t.id,
    t.state,
    String(t.attempts),
    String(t.reviews),
    formatTokens(t.tokens),
    formatUsd(t.usd, t.usdKnown),
    duration(t.effort.workingMs),
    String(t.effort.ciRounds),
    String(t.effort.interventions),
  ]);
  const out = [formatTable(['TASK', 'STATE', 'ATT', 'REV', 'TOKENS', 'USD', 'WORKING', 'CI', 'HUMAN'], rows)];
  if (detail) {
    for (const t of report.tasks) {
      for (const a of t.byAttempt) {
        const models = a.byModel.map((m) => `${m.model} ${formatUsd(m.usd)}`).join(', ');
        out.push(`  ${t.id} attempt ${a.attempt}: ${formatUsd(a.usd, a.usdKnown)} · ${formatTokens(a.tokens)} tokens${models ? ` · ${models}` : ''}`);
      }
      for (const r of t.byReview) {
        out.push(`  ${t.id} review ${r.role || r.runId} (${r.model}): ${formatUsd(r.usd, r.usdKnown)} · ${formatTokens(r.tokens)} tokens`);
      }
    }
  }
  out.push(`total: ${formatUsd(report.total.usd, report.total.usdKnown)} · ${formatTokens(report.total.tokens)} tokens`);
  if (report.perCompletedPr.prs) out.push(`per completed PR (${report.perCompletedPr.prs}): ${formatUsd(report.perCompletedPr.usd)}`);
  if (report.total.unknownModels.length) out.push(`no price for: ${report.total.unknownModels.join(', ')} (add them under "prices" in .flotilla/config.json)`);
  if (report.malformedLines) out.push(`skipped ${report.malformedLines} malformed log line(s)`);
  for (const file of report.absurdFiles) out.push(`refused usage line(s) with impossible token counts (non-finite or over 1e10) in ${file}`);
  return out.join('\n');
}

export const costCommand: CliCommand = {
  name: 'cost',
  summary: 'cost and effort per task/PR, from the agents\' own usage logs',
  help: `Usage: flotilla cost [<task>] [--json]

Reads what the agents' usage logs (Claude Code session logs, Codex rollout files) and review
outputs gained since last time, prices them per model and prints cost and effort per task:
attempts, reviews, tokens, dollars, time working, CI rounds and human interventions, then the
total and the cost per completed PR. With a task id, only that task (with a breakdown by attempt
and review). A model without a price shows its cost as unknown, never as zero; add it under
"prices" in .flotilla/config.json. --json prints {"tasks": [...], "total": {...}, ...}
(schema in docs/cost.md).`,
  async run(args, io) {
    const { values, positionals, help } = parseCommandArgs('cost', args, { json: { type: 'boolean' } }, { max: 1, names: '[<task>]' });
    if (help) return io.out(this.help), 0;
    const only = positionals[0] ? assertTaskId(positionals[0], 'task') : null;
    const fleet = await createFleet({ cwd: io.cwd });
    try {
      let report = await fleet.dispatch({ type: 'cost.refresh' });
      if (only) {
        const tasks = report.tasks.filter((t) => t.id === only);
        if (!tasks.length) throw new UsageError(`cost: no task "${only}"`);
        const t = tasks[0]!;
        report = { ...report, tasks, total: { usd: t.usd, usdKnown: t.usdKnown, tokens: t.tokens, unknownModels: t.unknownModels } };
      }
      io.out(values.json ? jsonText(report, 2) : text(report, Boolean(only)));
      return 0;
    } finally {
      await fleet.close();
    }
  },
};
