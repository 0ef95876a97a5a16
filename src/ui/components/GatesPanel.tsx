import { Box, Text } from 'ink';
import { safeLine } from '../../engine/index.js';
import type { ReactNode } from 'react';
import type { FlotillaConfig } from '../../engine/index.js';
import type { Task } from '../../engine/index.js';
import { GATE_GLYPH, gateList } from '../format.js';

/** Each gate of the selected task with its detail, then the PR's CI checks. */
export function GatesPanel({ task, config, maxRows }: { task: Task | undefined; config: FlotillaConfig; maxRows: number }) {
  if (!task) return <Text dimColor>no task selected</Text>;
  const rows: ReactNode[] = [];
  if (Object.keys(task.gates).length === 0) {
    // With no gates in config there is nothing to wait for: saying the monitor has not checked would never end.
    const text = config.gates.length === 0 ? `no gates configured (config "gates"): ${task.id} has none to pass` : `no gate results yet for ${task.id} (the monitor has not checked it)`;
    rows.push(<Text key="-" dimColor wrap="truncate">{text}</Text>);
  }
  for (const g of gateList(task, config)) {
    rows.push(
      <Text key={`g:${g.name}`} wrap="truncate">
        <Text color={GATE_GLYPH[g.state].color}>{GATE_GLYPH[g.state].glyph}</Text> {g.name.padEnd(12)} <Text dimColor>{safeLine(g.detail ?? '')}</Text>
      </Text>,
    );
  }
  if (task.pr) {
    rows.push(<Text key="pr" wrap="truncate">PR #{task.pr.number} {task.pr.state} {safeLine(task.pr.url ?? '')}</Text>);
    for (const c of task.pr.checks) {
      rows.push(
        <Text key={`c:${c.name}`} wrap="truncate">
          {'  '}
          <Text color={GATE_GLYPH[c.state].color}>{GATE_GLYPH[c.state].glyph}</Text> {safeLine(c.name)} <Text dimColor>{safeLine(c.detail ?? '')}</Text>
        </Text>,
      );
    }
  }
  const ports = Object.entries(task.attempts.at(-1)?.ports ?? {});
  if (ports.length) {
    rows.push(<Text key="ports" wrap="truncate">ports <Text dimColor>{ports.map(([k, v]) => `${k}=${v}`).join(' ')} (slot {task.attempts.at(-1)?.slot})</Text></Text>);
  }
  for (const o of task.overlaps ?? []) {
    rows.push(
      <Text key={`o:${o.task}`} wrap="truncate">
        <Text color={o.conflicts.length ? 'red' : 'yellow'}>{o.conflicts.length ? '⚡' : '≈'}</Text>{' '}
        {o.conflicts.length ? `conflicts with ${o.task} in ${o.conflicts.join(', ')}` : `overlaps ${o.task} in ${o.files.join(', ')} (merges cleanly)`}
      </Text>,
    );
  }
  const limit = Math.max(1, maxRows);
  const shown = rows.length > limit ? [...rows.slice(0, limit - 1), <Text key="more" dimColor>… {rows.length - limit + 1} more</Text>] : rows;
  return <Box flexDirection="column">{shown}</Box>;
}
