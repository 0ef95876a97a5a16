import { Box, Text } from 'ink';
import type { MergedFinding, ReviewRecord, Task } from '../../engine/index.js';
import { safeLine } from '../../engine/index.js';

/** A finding as `review` writes it to task.review. */
export type ReviewFinding = MergedFinding;

const SEVERITY_COLOR: Record<string, string> = { critical: 'red', major: 'yellow', minor: 'cyan', nit: 'gray' };

export function reviewOf(task: Task): ReviewRecord | null {
  return task.review ?? null;
}

/** The findings the panel lists, in its order: agreed first; folded ones only when asked. */
export function listedFindings(task: Task | undefined, showFolded: boolean): ReviewFinding[] {
  const findings = (task && reviewOf(task)?.findings) || [];
  return findings.filter((f) => showFolded || !f.folded).sort((a, b) => Number(b.agreed) - Number(a.agreed));
}

export interface ReviewsPanelProps {
  task: Task | undefined;
  maxRows: number;
  /** Focused finding (index into listedFindings); the calibration keys act on it. */
  cursor?: number;
  showFolded?: boolean;
}

/**
 * Merged findings, agreed first (✓✓ = two or more reviewers agree), folded ones counted (or listed
 * with z). The focused finding is marked ›; its mark (useful/noise) and dismissal show on the row.
 */
export function ReviewsPanel({ task, maxRows, cursor = 0, showFolded = false }: ReviewsPanelProps) {
  if (!task) return <Text dimColor>no task selected</Text>;
  const review = reviewOf(task);
  if (!review) return <Text dimColor>no review yet for {task.id} (v runs the reviewers)</Text>;
  const findings = review.findings;
  const folded = findings.filter((f) => f.folded).length;
  const shown = listedFindings(task, showFolded);
  const errors = review.errors.length;
  const focus = shown.length ? Math.min(Math.max(0, cursor), shown.length - 1) : -1;
  const room = Math.max(1, maxRows - 1);
  const cut = shown.length > room;
  const rows = cut ? room - 1 : shown.length;
  // Keep the focused finding in view.
  const start = cut ? Math.min(Math.max(0, focus - rows + 1), shown.length - rows) : 0;
  const list = shown.slice(start, start + rows);
  return (
    <Box flexDirection="column">
      <Text wrap="truncate">
        {findings.length} finding{findings.length === 1 ? '' : 's'} on attempt {review.attempt ?? '?'}
        {folded ? `, ${folded} folded${showFolded ? ' (shown)' : ''}` : ''}
        {errors ? <Text color="red">, {errors} reviewer error{errors === 1 ? '' : 's'}</Text> : null}
        {shown.length ? <Text dimColor> ([/] focus, u useful, o noise, D dismiss, z folded)</Text> : null}
      </Text>
      {list.map((f, i) => {
        const focused = start + i === focus;
        return (
          <Text key={f.id} wrap="truncate" dimColor={Boolean(f.dismissed || f.folded)} inverse={focused}>
            {focused ? '›' : ' '}
            <Text color={f.agreed ? 'green' : 'gray'}>{f.agreed ? '✓✓' : '✓ '}</Text>{' '}
            <Text color={SEVERITY_COLOR[f.severity] ?? 'white'}>{f.severity.padEnd(8)}</Text>
            {f.mark ? <Text color={f.mark === 'useful' ? 'green' : 'yellow'}>[{f.mark}] </Text> : null}
            {f.dismissed ? '[dismissed] ' : ''}
            {f.folded ? '[folded] ' : ''}
            {safeLine(f.file)}
            {f.line ? `:${f.line}` : ''} {safeLine(f.message)} <Text dimColor>[{safeLine(f.reviewers.join(','))}]</Text>
          </Text>
        );
      })}
      {cut && <Text dimColor>… {shown.length - list.length} more</Text>}
    </Box>
  );
}
