import { Box, Text } from 'ink';
import type { Task } from '../../engine/tasks/schema.js';

/** The shape `review` writes to task.review (docs/engine.md), read defensively. */
export interface ReviewFinding {
  id: string;
  file: string;
  line?: number | null;
  severity: string;
  category: string;
  message: string;
  reviewers: string[];
  agreed: boolean;
  dismissed?: boolean;
  folded?: boolean;
  mark?: string;
}

interface ReviewRecord {
  runAt?: string;
  attempt?: number;
  findings?: ReviewFinding[];
  errors?: unknown[];
}

const SEVERITY_COLOR: Record<string, string> = { critical: 'red', major: 'yellow', minor: 'cyan', nit: 'gray' };

export function reviewOf(task: Task): ReviewRecord | null {
  const r = (task as { review?: unknown }).review;
  return r && typeof r === 'object' ? (r as ReviewRecord) : null;
}

/** Merged findings, agreed first (✓✓ = two or more reviewers agree), folded ones counted. */
export function ReviewsPanel({ task, maxRows }: { task: Task | undefined; maxRows: number }) {
  if (!task) return <Text dimColor>no task selected</Text>;
  const review = reviewOf(task);
  if (!review) return <Text dimColor>no review yet for {task.id} (v runs the reviewers)</Text>;
  const findings = review.findings ?? [];
  const folded = findings.filter((f) => f.folded).length;
  const shown = findings.filter((f) => !f.folded).sort((a, b) => Number(b.agreed) - Number(a.agreed));
  const errors = review.errors?.length ?? 0;
  const room = Math.max(1, maxRows - 1);
  const list = shown.length > room ? shown.slice(0, room - 1) : shown;
  return (
    <Box flexDirection="column">
      <Text wrap="truncate">
        {findings.length} finding{findings.length === 1 ? '' : 's'} on attempt {review.attempt ?? '?'}
        {folded ? `, ${folded} folded` : ''}
        {errors ? <Text color="red">, {errors} reviewer error{errors === 1 ? '' : 's'}</Text> : null}
      </Text>
      {list.map((f) => (
        <Text key={f.id} wrap="truncate" dimColor={Boolean(f.dismissed)}>
          <Text color={f.agreed ? 'green' : 'gray'}>{f.agreed ? '✓✓' : '✓ '}</Text>{' '}
          <Text color={SEVERITY_COLOR[f.severity] ?? 'white'}>{f.severity.padEnd(8)}</Text> {f.file}
          {f.line ? `:${f.line}` : ''} {f.message} <Text dimColor>[{f.reviewers.join(',')}]</Text>
        </Text>
      ))}
      {list.length < shown.length && <Text dimColor>… {shown.length - list.length} more</Text>}
    </Box>
  );
}
