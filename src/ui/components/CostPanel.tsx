import { Box, Text } from 'ink';
import type { Task } from '../../engine/index.js';
import { safeLine } from '../../engine/index.js';
import { formatCost, formatUsd } from '../format.js';

interface CostLine {
  label: string;
  usd: number | null;
}

type CostEntry = NonNullable<NonNullable<Task['cost']>['byAttempt'] | NonNullable<Task['cost']>['byReview']>[number];

/** byAttempt / byReview as the cost module writes them: one line each, labelled by attempt or role. */
export function costLines(entries: readonly CostEntry[] | undefined, prefix: string): CostLine[] {
  return (entries ?? []).map((e, i) => {
    const role = 'role' in e ? e.role : undefined;
    const label = role !== undefined ? `${role}${typeof e.attempt === 'number' ? ` (a${e.attempt})` : ''}` : (e.attempt ?? i + 1);
    return { label: `${prefix} ${label}`, usd: typeof e.usd === 'number' ? e.usd : null };
  });
}

/** Total cost of tasks whose PR is done (ready or merged) divided by their number. */
export function costPerCompletedPr(tasks: readonly Task[]): { count: number; usd: number | null } {
  const done = tasks.filter((t) => t.pr && (t.state === 'ready' || t.pr.state === 'merged'));
  if (done.length === 0) return { count: 0, usd: null };
  let sum = 0;
  for (const t of done) {
    const usd = t.cost?.usd;
    if (typeof usd !== 'number') return { count: done.length, usd: null };
    sum += usd;
  }
  return { count: done.length, usd: sum / done.length };
}

export function CostPanel({ task, tasks, maxRows }: { task: Task | undefined; tasks: readonly Task[]; maxRows: number }) {
  const perPr = costPerCompletedPr(tasks);
  const perPrText =
    perPr.count === 0 ? 'no completed PR yet' : perPr.usd === null ? `${perPr.count} completed, cost unknown (?)` : `${formatUsd(perPr.usd)} over ${perPr.count}`;
  const footer = <Text wrap="truncate">cost per completed PR: {perPrText}</Text>;
  if (!task) return <Box flexDirection="column"><Text dimColor>no task selected</Text>{footer}</Box>;
  const cost = task.cost;
  if (!cost) {
    return (
      <Box flexDirection="column">
        <Text dimColor>no usage recorded for {task.id} yet</Text>
        {footer}
      </Box>
    );
  }
  const lines = [...costLines(cost.byAttempt, 'attempt'), ...costLines(cost.byReview, 'review')].slice(0, Math.max(0, maxRows - 2));
  const unknown = cost.unknownModels ?? [];
  return (
    <Box flexDirection="column">
      <Text wrap="truncate">
        {task.id}: {formatCost(cost)}
        {cost.usd === null && typeof cost.usdKnown === 'number' && cost.usdKnown > 0 ? ` (priced part ${formatUsd(cost.usdKnown)})` : ''}
        {typeof cost.tokens === 'number' ? ` (${cost.tokens} tokens)` : ''}
        {unknown.length ? <Text color="yellow"> unpriced models: {safeLine(unknown.join(', '))}</Text> : null}
      </Text>
      {lines.map((l, i) => (
        <Text key={`${i}:${l.label}`} wrap="truncate">
          {'  '}
          {safeLine(l.label).padEnd(12)} {l.usd === null ? '?' : formatUsd(l.usd)}
        </Text>
      ))}
      {footer}
    </Box>
  );
}
