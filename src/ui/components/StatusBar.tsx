import { Text } from 'ink';
import type { FleetNotification } from '../../engine/index.js';
import { safeLine } from '../../engine/index.js';
import { KEY_COMMANDS, formatKeys, type Keymap } from '../keys.js';
import type { Notice } from '../ui-store.js';

export interface StatusBarProps {
  keymap: Keymap;
  hasTask: boolean;
  notice: Notice | null;
  notification: FleetNotification | undefined;
  width: number;
  /** The Reviews panel shows: its keys are listed too. */
  reviews?: boolean;
}

const NOTIFY_COLOR: Record<FleetNotification['kind'], string> = {
  ready: 'green',
  escalated: 'magenta',
  'needs-input': 'yellow',
  info: 'white',
  error: 'red',
};

const OPTIONAL_IN_BAR: readonly string[] = ['app.memory', 'task.prompt'];

/** The status bar's key list: the keys that apply now, review keys first while that panel shows. */
export function barKeys(keymap: Keymap, hasTask: boolean, reviews: boolean, width: number): string {
  const entries = KEY_COMMANDS.filter((c) => (hasTask || !c.needsTask) && c.id !== 'fleet.select-prev' && c.id !== 'review.prev')
    .filter((c) => reviews || c.category !== 'review')
    .sort((a, b) => Number(b.category === 'review') - Number(a.category === 'review'))
    .map((c) => {
      let text = `${formatKeys(keymap[c.id])} ${c.label}`;
      if (c.id === 'fleet.select-next') text = `${formatKeys([...keymap['fleet.select-prev'], ...keymap[c.id]].filter((k) => k.length === 1))} move`;
      if (c.id === 'review.next') text = `${formatKeys([...keymap['review.prev'], ...keymap[c.id]])} ${c.label}`;
      return { id: c.id, text };
    });
  // In a narrow terminal the less used keys give way first (? lists them all), so quit stays.
  for (const id of OPTIONAL_IN_BAR) {
    if (entries.map((e) => e.text).join('  ').length <= width) break;
    const i = entries.findIndex((e) => e.id === id);
    if (i >= 0) entries.splice(i, 1);
  }
  return entries.map((e) => e.text).join('  ');
}

/** The keys that apply now, then the latest notice or engine notification (whichever is newer). */
export function StatusBar({ keymap, hasTask, notice, notification, width, reviews = false }: StatusBarProps) {
  const keys = barKeys(keymap, hasTask, reviews, width);
  const noticeNewer = notice && (!notification || notice.at >= Date.parse(notification.at));
  return (
    <Text wrap="truncate">
      {noticeNewer ? (
        <Text color={notice.tone === 'error' ? 'red' : 'cyan'}>{safeLine(notice.text)}  </Text>
      ) : notification ? (
        <Text color={NOTIFY_COLOR[notification.kind]}>
          {notification.taskId && !notification.message.startsWith(`${notification.taskId} `) ? `${notification.taskId}: ` : ''}
          {safeLine(notification.message)}
          {'  '}
        </Text>
      ) : null}
      <Text dimColor>{keys.slice(0, Math.max(0, width))}</Text>
    </Text>
  );
}
