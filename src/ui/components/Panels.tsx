import { Box, Text } from 'ink';
import type { ResourcesSnapshot } from '../../engine/index.js';
import type { FlotillaConfig } from '../../engine/index.js';
import type { Task } from '../../engine/index.js';
import { PANELS, type PanelId } from '../ui-store.js';
import { CostPanel } from './CostPanel.js';
import { GatesPanel } from './GatesPanel.js';
import { QueuePanel } from './QueuePanel.js';
import { ReviewsPanel } from './ReviewsPanel.js';

export interface PanelsProps {
  panel: PanelId;
  task: Task | undefined;
  tasks: readonly Task[];
  config: FlotillaConfig;
  admissionAvailable: boolean;
  resources: ResourcesSnapshot | null;
  resourcesError: string | null;
  width: number;
  height: number;
  /** Reviews panel: focused finding and whether folded findings are listed. */
  findingCursor?: number;
  showFolded?: boolean;
}

const TITLES: Record<PanelId, string> = { gates: 'Gates', queue: 'Queue', reviews: 'Reviews', cost: 'Cost' };

/** The row of panels; Tab switches which one shows. */
export function Panels(props: PanelsProps) {
  const { panel, width, height } = props;
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="round" borderColor="gray" overflow="hidden">
      <Text wrap="truncate">
        {PANELS.map((p) => (
          <Text key={p} inverse={p === panel} bold={p === panel}>
            {` ${TITLES[p]} `}
          </Text>
        ))}
        <Text dimColor> (Tab)</Text>
      </Text>
      {panel === 'gates' && <GatesPanel task={props.task} config={props.config} maxRows={height - 3} />}
      {panel === 'queue' && (
        <QueuePanel available={props.admissionAvailable} snapshot={props.resources} error={props.resourcesError} width={width} maxRows={height - 3} />
      )}
      {panel === 'reviews' && <ReviewsPanel task={props.task} maxRows={height - 3} cursor={props.findingCursor} showFolded={props.showFolded} />}
      {panel === 'cost' && <CostPanel task={props.task} tasks={props.tasks} maxRows={height - 3} />}
    </Box>
  );
}
