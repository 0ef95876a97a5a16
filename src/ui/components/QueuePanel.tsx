import { Box, Text } from 'ink';
import type { HostQueueView, ResourcesSnapshot } from '../../engine/index.js';
import { safeLine } from '../../engine/index.js';

export interface QueuePanelProps {
  available: boolean;
  snapshot: ResourcesSnapshot | null;
  error: string | null;
  width: number;
  maxRows: number;
}

/** A bar of `width` cells, `used` of `total` filled. */
export function gauge(used: number, total: number, width: number): string {
  const cells = Math.max(4, width);
  const filled = total > 0 ? Math.round((Math.min(Math.max(used, 0), total) / total) * cells) : 0;
  return `${'█'.repeat(filled)}${'░'.repeat(cells - filled)}`;
}

const gb = (mb: number) => `${(mb / 1024).toFixed(1)}G`;

/** One host (config `hosts`): agents of its maximum, memory above reserve, who waits for it and why. */
function HostRow({ host }: { host: HostQueueView }) {
  const full = host.agents.running >= host.agents.max;
  return (
    <Text wrap="truncate">
      <Text color={!host.reachable ? 'red' : full ? 'yellow' : 'green'}>■</Text> {host.name}{' '}
      {host.reachable ? null : <Text color="red">unreachable ({safeLine(host.fault ?? 'no answer', 80)}) </Text>}
      {host.agents.running}/{host.agents.max} agents{host.agentsRssMB !== null ? ` (${host.agentsRssMB < 1024 ? `${Math.round(host.agentsRssMB)}M` : gb(host.agentsRssMB)})` : ''}
      {host.freeAboveReserveMB !== null ? `, ${gb(Math.max(0, host.freeAboveReserveMB))} free above reserve` : ''}
      {host.waiting.map((w) => (
        <Text key={w.taskId}>
          {' '}
          <Text color="yellow">‖</Text> {safeLine(w.taskId)} <Text dimColor>{safeLine(w.reason, 100)}</Text>
        </Text>
      ))}
    </Text>
  );
}

/** RAM gauge, each host (with config hosts), running and waiting jobs (with why), and the recommended number of agents. */
export function QueuePanel({ available, snapshot, error, width, maxRows }: QueuePanelProps) {
  if (!available) return <Text dimColor>admission queue not available yet in this build</Text>;
  if (error) return <Text color="red">admission: {safeLine(error)}</Text>;
  if (!snapshot) return <Text dimColor>reading memory…</Text>;
  const used = snapshot.totalMB - snapshot.availableMB;
  const hosts = (snapshot.hosts ?? []).slice(0, Math.max(0, maxRows - 2));
  const jobRows = Math.max(0, maxRows - 2 - hosts.length);
  const running = snapshot.running.slice(0, jobRows);
  const waiting = snapshot.waiting.slice(0, Math.max(0, jobRows - running.length));
  const low = snapshot.availableMB - snapshot.reserveMB < 0 || snapshot.swapping;
  return (
    <Box flexDirection="column">
      <Text wrap="truncate">
        RAM <Text color={low ? 'red' : 'green'}>{gauge(used, snapshot.totalMB, Math.min(30, width - 40))}</Text> {gb(used)}/
        {gb(snapshot.totalMB)} used, {gb(snapshot.availableMB)} free, reserve {gb(snapshot.reserveMB)}
        {snapshot.swapping ? <Text color="red"> swapping</Text> : null}
      </Text>
      <Text wrap="truncate">
        running {snapshot.running.length}, waiting {snapshot.waiting.length}; recommended agents:{' '}
        {snapshot.recommendation.agents} <Text dimColor>({safeLine(snapshot.recommendation.reason)})</Text>
      </Text>
      {hosts.map((h) => (
        <HostRow key={h.name} host={h} />
      ))}
      {running.map((j) => (
        <Text key={j.id} wrap="truncate">
          <Text color="green">▶</Text> {j.kind.padEnd(7)} {safeLine(j.label)} <Text dimColor>~{j.expectedPeakMB}MB</Text>
        </Text>
      ))}
      {waiting.map((j) => (
        <Text key={j.id} wrap="truncate">
          <Text color="yellow">‖</Text> {j.kind.padEnd(7)} {safeLine(j.label)} <Text dimColor>{safeLine(j.reason ?? 'waiting')}</Text>
        </Text>
      ))}
    </Box>
  );
}
