import { Text } from 'ink';
import type { FleetNotification } from '../../engine/fleet/types.js';
import { KEY_COMMANDS, formatKeys, type Keymap } from '../keys.js';
import type { Notice } from '../ui-store.js';

export interface StatusBarProps {
  keymap: Keymap;
  hasTask: boolean;
  notice: Notice | null;
  notification: FleetNotification | undefined;
  width: number;
}

const NOTIFY_COLOR: Record<FleetNotification['kind'], string> = {
  ready: 'green',
  escalated: 'magenta',
  'needs-input': 'yellow',
  info: 'white',
  error: 'red',
};

/** The keys that apply now, then the latest notice or engine notification (whichever is newer). */
export function StatusBar({ keymap, hasTask, notice, notification, width }: StatusBarProps) {
  const keys = KEY_COMMANDS.filter((c) => (hasTask || !c.needsTask) && c.id !== 'fleet.select-prev')
    .map((c) => `${formatKeys(c.id === 'fleet.select-next' ? [...keymap['fleet.select-prev'], ...keymap[c.id]].filter((k) => k.length === 1) : keymap[c.id])} ${c.id === 'fleet.select-next' ? 'move' : c.label}`)
    .join('  ');
  const noticeNewer = notice && (!notification || notice.at >= Date.parse(notification.at));
  return (
    <Text wrap="truncate">
      {noticeNewer ? (
        <Text color={notice.tone === 'error' ? 'red' : 'cyan'}>{notice.text}  </Text>
      ) : notification ? (
        <Text color={NOTIFY_COLOR[notification.kind]}>
          {notification.taskId ? `${notification.taskId}: ` : ''}
          {notification.message}
          {'  '}
        </Text>
      ) : null}
      <Text dimColor>{keys.slice(0, Math.max(0, width))}</Text>
    </Text>
  );
}
