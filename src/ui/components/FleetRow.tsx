import { Text } from 'ink';
import { memo } from 'react';
import type { FlotillaConfig, Task } from '../../engine/index.js';
import { GATE_GLYPH, ORCHESTRATOR_GLYPH, age, fit, textWidth, formatCost, gateList, hostText, isOrchestratorTask, statusGlyph, statusText, taskHost, type HostsDown } from '../format.js';
import { useRenderProbe } from '../render-probe.js';

/** What one row of the list shows, as plain values: rows re-render only when these change. */
export interface RowModel {
  orchestrator: boolean;
  /** Marked with Space: a * before the glyph. */
  marked: boolean;
  /** The title column ('' when the row has no room for it). */
  title: string;
  glyph: string;
  color: string | undefined;
  id: string;
  /** The conflict radar's mark ("⚡bravo" / "≈bravo"), already fitted; '' without overlaps. */
  mark: string;
  markConflict: boolean;
  agent: string;
  status: string;
  attempts: string;
  gates: Array<{ name: string; glyph: string; color: string | undefined }>;
  pr: string;
  cost: string;
  age: string;
}

/** The conflict radar's mark, shown in the id column: "⚡bravo" (would conflict) or "≈bravo" (same files, merges cleanly). */
export function markText(task: Task): { text: string; conflict: boolean } | null {
  const overlaps = task.overlaps ?? [];
  if (overlaps.length === 0) return null;
  const conflicting = overlaps.filter((o) => o.conflicts.length);
  const shown = conflicting.length ? conflicting : overlaps;
  return { text: `${conflicting.length ? '⚡' : '≈'}${shown.map((o) => o.task).join(',')}`, conflict: conflicting.length > 0 };
}

/**
 * Columns the mark takes out of the id column: the id is shown whole first when that leaves the
 * mark three columns or more (" ⚡b…"); otherwise the mark takes at most half, and the id keeps 6.
 */
function markWidth(text: string, id: string, idWidth: number): number {
  const want = textWidth(text) + 1;
  const left = idWidth - textWidth(id);
  if (left >= Math.min(3, want)) return Math.min(want, left);
  return Math.max(0, Math.min(want, Math.floor(idWidth / 2), idWidth - 6));
}

/** The row model of a task at a given id column width and clock. */
export function rowModel(task: Task, config: FlotillaConfig, idWidth: number, now?: number, more: { titleWidth?: number; marked?: boolean; hostsDown?: HostsDown } = {}): RowModel {
  const g = statusGlyph(task);
  // An attempt on a host: the id carries "@box", the title column its outage, the state says unreachable.
  const host = taskHost(task, more.hostsDown);
  const orchestrator = isOrchestratorTask(task);
  const mark = orchestrator ? null : markText(task);
  const idText = orchestrator ? (task.id === 'orchestrator' ? 'orchestrator' : `${task.id} (orchestrator)`) : `${task.id}${host ? `@${host.name}` : ''}`;
  const markCols = mark ? markWidth(mark.text, idText, idWidth) : 0;
  return {
    orchestrator,
    marked: more.marked ?? false,
    title: more.titleWidth ? ` ${fit(host?.downSince ? `${hostText(host)} · ${task.title}` : task.title, more.titleWidth)}` : '',
    glyph: orchestrator ? ORCHESTRATOR_GLYPH : g.glyph,
    color: g.color,
    id: fit(idText, idWidth - markCols),
    mark: mark && markCols >= 2 ? fit(` ${mark.text}`, markCols) : ' '.repeat(markCols),
    markConflict: mark?.conflict ?? false,
    agent: fit(task.agent, 8),
    status: fit(host?.downSince ? 'unreachable' : statusText(task), 15),
    attempts: fit(orchestrator ? '-' : `${task.attempts.length}/${config.recovery.maxAttempts}`, 4),
    gates: orchestrator ? [] : gateList(task, config).map((gate) => ({ name: gate.name, ...GATE_GLYPH[gate.state] })),
    pr: fit(orchestrator ? '-' : task.pr ? `#${task.pr.number}` : '-', 5),
    cost: fit(formatCost(task.cost), 7),
    age: age(task.stateSince, now),
  };
}

function sameModel(a: RowModel, b: RowModel): boolean {
  return (
    a.orchestrator === b.orchestrator &&
    a.marked === b.marked &&
    a.title === b.title &&
    a.glyph === b.glyph &&
    a.color === b.color &&
    a.id === b.id &&
    a.mark === b.mark &&
    a.markConflict === b.markConflict &&
    a.agent === b.agent &&
    a.status === b.status &&
    a.attempts === b.attempts &&
    a.pr === b.pr &&
    a.cost === b.cost &&
    a.age === b.age &&
    a.gates.length === b.gates.length &&
    a.gates.every((g, i) => g.name === b.gates[i]!.name && g.glyph === b.gates[i]!.glyph && g.color === b.gates[i]!.color)
  );
}

/** One row of the fleet list; memoised on what it shows, so a key or a screen update redraws only the rows that changed. */
export const FleetRow = memo(
  function FleetRow({ model: m, selected }: { model: RowModel; selected: boolean }) {
    useRenderProbe('FleetRow');
    if (m.orchestrator) {
      return (
        <Text wrap="truncate" inverse={selected}>
          <Text color="yellow" bold>{m.marked ? '*' : ' '}</Text>
          <Text color="magenta" bold>{m.glyph}</Text>
          {' '}
          <Text color="magenta" bold>{m.id}</Text>
          {`${m.title} ${m.agent} `}
          <Text color={m.color}>{m.status}</Text>
          {` ${m.attempts} ${fit('-', 6)} ${m.pr} ${m.cost} ${m.age}`}
        </Text>
      );
    }
    return (
      <Text wrap="truncate" inverse={selected}>
        <Text color="yellow" bold>{m.marked ? '*' : ' '}</Text>
        <Text color={m.color}>{m.glyph}</Text>
        {` ${m.id}`}
        {m.mark ? <Text color={m.markConflict ? 'red' : 'yellow'}>{m.mark}</Text> : null}
        {`${m.title} ${m.agent} `}
        <Text color={m.color}>{m.status}</Text>
        {` ${m.attempts} `}
        {m.gates.map((gate) => (
          <Text key={gate.name} color={gate.color}>
            {gate.glyph}
          </Text>
        ))}
        {' '.repeat(Math.max(1, 7 - m.gates.length))}
        {`${m.pr} ${m.cost} ${m.age}`}
      </Text>
    );
  },
  (a, b) => a.selected === b.selected && sameModel(a.model, b.model),
);
