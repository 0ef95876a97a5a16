import { Box, Text } from 'ink';
import type { FlotillaConfig } from '../../engine/index.js';
import type { Task } from '../../engine/index.js';
import { GATE_GLYPH, ORCHESTRATOR_GLYPH, age, fit, formatCost, gateList, isOrchestratorTask, statusGlyph, statusText } from '../format.js';

export interface FleetListProps {
  tasks: readonly Task[];
  selectedId: string | null;
  config: FlotillaConfig;
  width: number;
  height: number;
  filter: string;
  now?: number;
}

/**
 * One row per task: status glyph, id, agent, state, attempt N/max, gates, PR, cost, time in state.
 * The orchestrator (pinned first by filterTasks) has its own glyph and label and no gates or PR.
 */
export function FleetList({ tasks, selectedId, config, width, height, filter, now }: FleetListProps) {
  const inner = Math.max(10, width - 2);
  const idWidth = Math.max(8, Math.min(24, inner - 62));
  const visibleRows = Math.max(1, height - 4);
  const index = Math.max(0, tasks.findIndex((t) => t.id === selectedId));
  const start = Math.min(Math.max(0, index - visibleRows + 1), Math.max(0, tasks.length - visibleRows));
  const shown = tasks.slice(start, start + visibleRows);
  const workers = tasks.filter((t) => !isOrchestratorTask(t)).length;
  const pinned = tasks.length - workers;
  const title = `Tasks ${workers}${pinned ? ' + orchestrator' : ''}${filter ? ` (filter: ${filter})` : ''}`;
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="round" borderColor="gray" overflow="hidden">
      <Text bold wrap="truncate">
        {fit(`  ${fit('ID', idWidth)} ${fit('AGENT', 8)} ${fit('STATE', 15)} ${fit('ATT', 4)} ${fit('GATES', 6)} ${fit('PR', 5)} ${fit('COST', 7)} AGE`, inner)}
      </Text>
      {shown.map((task) => {
          const selected = task.id === selectedId;
          const g = statusGlyph(task);
          if (isOrchestratorTask(task)) {
            return (
              <Text key={task.id} wrap="truncate" inverse={selected}>
                <Text color="magenta" bold>{ORCHESTRATOR_GLYPH}</Text>
                {' '}
                <Text color="magenta" bold>{fit(task.id === 'orchestrator' ? 'orchestrator' : `${task.id} (orchestrator)`, idWidth)}</Text>
                {` ${fit(task.agent, 8)} `}
                <Text color={g.color}>{fit(statusText(task), 15)}</Text>
                {` ${fit('-', 4)} ${fit('-', 6)} ${fit('-', 5)} ${fit(formatCost(task.cost), 7)} ${age(task.stateSince, now)}`}
              </Text>
            );
          }
          const gates = gateList(task, config);
          return (
            <Text key={task.id} wrap="truncate" inverse={selected}>
              <Text color={g.color}>{g.glyph}</Text>
              {` ${fit(task.id, idWidth)} ${fit(task.agent, 8)} `}
              <Text color={g.color}>{fit(statusText(task), 15)}</Text>
              {` ${fit(`${task.attempts.length}/${config.recovery.maxAttempts}`, 4)} `}
              {gates.map((gate) => (
                <Text key={gate.name} color={GATE_GLYPH[gate.state].color}>
                  {GATE_GLYPH[gate.state].glyph}
                </Text>
              ))}
              {' '.repeat(Math.max(1, 7 - gates.length))}
              {`${fit(task.pr ? `#${task.pr.number}` : '-', 5)} ${fit(formatCost(task.cost), 7)} ${age(task.stateSince, now)}`}
            </Text>
          );
        })}
      {workers === 0 ? (
        <Text dimColor wrap="truncate">
          {filter ? `no task matches "${filter}" (/ then Esc clears)` : 'no tasks yet: n adds one'}
        </Text>
      ) : null}
      <Text dimColor>{` ${title}`}</Text>
    </Box>
  );
}
