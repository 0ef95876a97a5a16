import { Box, Text } from 'ink';
import type { FlotillaConfig } from '../../engine/config/schema.js';
import type { Task } from '../../engine/tasks/schema.js';
import { GATE_GLYPH, gateList } from '../format.js';

/** Each gate of the selected task with its detail, then the PR's CI checks. */
export function GatesPanel({ task, config }: { task: Task | undefined; config: FlotillaConfig }) {
  if (!task) return <Text dimColor>no task selected</Text>;
  const gates = gateList(task, config);
  const evaluated = Object.keys(task.gates).length > 0;
  const checks = task.pr?.checks ?? [];
  return (
    <Box flexDirection="column">
      {!evaluated && <Text dimColor wrap="truncate">no gate results yet for {task.id} (the monitor has not checked it)</Text>}
      {gates.map((g) => (
        <Text key={g.name} wrap="truncate">
          <Text color={GATE_GLYPH[g.state].color}>{GATE_GLYPH[g.state].glyph}</Text> {g.name.padEnd(12)} <Text dimColor>{g.detail}</Text>
        </Text>
      ))}
      {task.pr && (
        <Text wrap="truncate">
          PR #{task.pr.number} {task.pr.state} {task.pr.url ?? ''}
        </Text>
      )}
      {checks.map((c) => (
        <Text key={c.name} wrap="truncate">
          {'  '}
          <Text color={GATE_GLYPH[c.state].color}>{GATE_GLYPH[c.state].glyph}</Text> {c.name} <Text dimColor>{c.detail}</Text>
        </Text>
      ))}
    </Box>
  );
}
