import { Box, Text } from 'ink';
import type { FlotillaConfig } from '../../engine/index.js';
import type { Task } from '../../engine/index.js';
import { safeLine } from '../../engine/index.js';
import { fit, isOrchestratorTask } from '../format.js';
import { FleetRow, rowModel } from './FleetRow.js';

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
 * Rows are memoised on what they show (FleetRow): moving the selection redraws two rows.
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
      {shown.map((task) => (
        <FleetRow key={task.id} model={rowModel(task, config, idWidth, now)} selected={task.id === selectedId} />
      ))}
      {workers === 0 ? (
        <Text dimColor wrap="truncate">
          {filter ? `no task matches "${safeLine(filter)}" (/ then Esc clears)` : 'no tasks yet: n adds one'}
        </Text>
      ) : null}
      <Text dimColor>{` ${safeLine(title)}`}</Text>
    </Box>
  );
}
