import { Box, Text } from 'ink';
import type { FlotillaConfig } from '../../engine/index.js';
import type { Task } from '../../engine/index.js';
import { safeLine } from '../../engine/index.js';
import { LIST_FIXED_COLUMNS } from '../layout.js';
import { fit, isOrchestratorTask, taskHost, textWidth, type HostsDown } from '../format.js';
import { FleetRow, markText, rowModel } from './FleetRow.js';

export interface FleetListProps {
  tasks: readonly Task[];
  selectedId: string | null;
  config: FlotillaConfig;
  width: number;
  height: number;
  filter: string;
  /** The filter is being typed (shown with a cursor in the list's bottom line). */
  filterEditing?: boolean;
  /** Marked tasks (space): a * before the row. */
  marked?: readonly string[];
  now?: number;
  /** Remote hosts that stopped answering (their tasks' rows say so). */
  hostsDown?: HostsDown;
}

/** Columns besides the id: mark+glyph 3, agent 9, state 16, attempts 5, gates 7, PR 6, cost 8, age 4. */
const FIXED_COLUMNS = LIST_FIXED_COLUMNS;
const MIN_TITLE = 12;

/** Columns a task's id cell wants: its id (the orchestrator's label, `@host` of an attempt on a host), and the conflict radar's mark after it ("⚡bravo"). */
export function idColumns(t: Task): number {
  const mark = isOrchestratorTask(t) ? null : markText(t);
  const host = isOrchestratorTask(t) ? null : taskHost(t);
  return textWidth(t.id) + (host ? textWidth(host.name) + 1 : 0) + (isOrchestratorTask(t) && t.id !== 'orchestrator' ? 15 : 0) + (mark ? textWidth(mark.text) + 1 : 0);
}

/**
 * The id column is as wide as the longest id needs (at least 8), up to what the row leaves; the
 * title gets what is left after that, when that is worth showing.
 */
export function listColumns(tasks: readonly Task[], inner: number): { id: number; title: number } {
  const room = Math.max(8, inner - FIXED_COLUMNS);
  const longest = Math.max(8, ...tasks.map(idColumns));
  const id = Math.min(longest, room);
  const left = room - id - 1;
  return { id, title: left >= MIN_TITLE ? left : 0 };
}

/** Which rows the list shows: the first index and how many (the selected row kept in view). */
export function listWindow(count: number, selectedIndex: number, height: number): { start: number; rows: number } {
  const rows = Math.max(1, height - 4);
  const index = Math.max(0, selectedIndex);
  return { start: Math.min(Math.max(0, index - rows + 1), Math.max(0, count - rows)), rows };
}

/** Screen row (1-based) of the list's first task row: below the border and the header. */
export const LIST_FIRST_ROW = 3;

/**
 * One row per task: status glyph, id, agent, state, attempt N/max, gates, PR, cost, time in state.
 * The orchestrator (pinned first by filterTasks) has its own glyph and label and no gates or PR.
 * Rows are memoised on what they show (FleetRow): moving the selection redraws two rows.
 */
export function FleetList({ tasks, selectedId, config, width, height, filter, filterEditing = false, marked = [], now, hostsDown }: FleetListProps) {
  const inner = Math.max(10, width - 2);
  const cols = listColumns(tasks, inner);
  const idWidth = cols.id;
  const titleCol = (text: string) => (cols.title ? ` ${fit(text, cols.title)}` : '');
  const marks = new Set(marked);
  const { start, rows: visibleRows } = listWindow(tasks.length, tasks.findIndex((t) => t.id === selectedId), height);
  const shown = tasks.slice(start, start + visibleRows);
  const workers = tasks.filter((t) => !isOrchestratorTask(t)).length;
  const pinned = tasks.length - workers;
  const title = `Tasks ${workers}${pinned ? ' + orchestrator' : ''}${marks.size ? `, ${marks.size} marked (s x r act on them, Esc unmarks)` : ''}${filter && !filterEditing ? ` (filter: ${filter})` : ''}`;
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="round" borderColor="gray" overflow="hidden">
      <Text bold wrap="truncate">
        {fit(`   ${fit('ID', idWidth)}${titleCol('TITLE')} ${fit('AGENT', 8)} ${fit('STATE', 15)} ${fit('ATT', 4)} ${fit('GATES', 6)} ${fit('PR', 5)} ${fit('COST', 7)} AGE`, inner)}
      </Text>
      {shown.map((task) => (
        <FleetRow key={task.id} model={rowModel(task, config, idWidth, now, { titleWidth: cols.title, marked: marks.has(task.id), ...(hostsDown ? { hostsDown } : {}) })} selected={task.id === selectedId} />
      ))}
      {workers === 0 ? (
        <Text dimColor wrap="truncate">
          {filter ? `no task matches "${safeLine(filter)}" (${filterEditing ? 'Esc clears' : '/ then Esc clears'})` : 'no tasks yet: n adds one'}
        </Text>
      ) : null}
      {filterEditing ? (
        <Text wrap="truncate">
          <Text color="cyan">{' /'}</Text>
          {safeLine(filter)}
          <Text inverse> </Text>
          <Text dimColor>{`  ${tasks.filter((t) => !isOrchestratorTask(t)).length} match · Enter keeps · Esc clears`}</Text>
        </Text>
      ) : (
        <Text dimColor wrap="truncate">{` ${safeLine(title)}`}</Text>
      )}
    </Box>
  );
}
