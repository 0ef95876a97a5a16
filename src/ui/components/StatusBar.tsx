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
  'merge-order': 'yellow',
  environment: 'red',
  paused: 'yellow',
  info: 'white',
  error: 'red',
};

const OPTIONAL_IN_BAR: readonly string[] = ['fleet.merge', 'app.memory', 'task.prompt', 'task.diff', 'view.scrollback', 'task.review'];
/** Shown first, always: whatever else falls off a narrow bar, help and quit stay. */
const ESSENTIAL: readonly string[] = ['app.help', 'app.quit'];
/** In the help only: list movement beyond up/down. */
const HELP_ONLY: readonly string[] = ['fleet.select-prev', 'review.prev', 'fleet.first', 'fleet.last', 'fleet.page-up', 'fleet.page-down'];

/** "? help  q/C-c quit" with the keys bound now. */
export function essentialKeys(keymap: Keymap): string {
  return KEY_COMMANDS.filter((c) => ESSENTIAL.includes(c.id)).map((c) => `${formatKeys(keymap[c.id])} ${c.label}`).join('  ');
}

/** The status bar's other keys: those that apply now, review keys first while that panel shows. */
export function barKeys(keymap: Keymap, hasTask: boolean, reviews: boolean, width: number): string {
  const entries = KEY_COMMANDS.filter((c) => (hasTask || !c.needsTask) && c.category !== 'scrollback' && !HELP_ONLY.includes(c.id) && !ESSENTIAL.includes(c.id))
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

/**
 * The latest notice or engine notification (whichever is newer, cut to leave room), then help and
 * quit (always visible), then the other keys that apply now as far as they fit.
 */
export function StatusBar({ keymap, hasTask, notice, notification, width, reviews = false }: StatusBarProps) {
  const essential = essentialKeys(keymap);
  // Two spaces around, and one column for the ellipsis Ink puts where it cuts the line.
  const room = Math.max(0, width - essential.length - 5);
  const keys = barKeys(keymap, hasTask, reviews, room);
  const noticeNewer = notice && (!notification || notice.at >= Date.parse(notification.at));
  const message = noticeNewer
    ? notice.text
    : notification
      ? `${notification.taskId && !notification.message.startsWith(`${notification.taskId} `) ? `${notification.taskId}: ` : ''}${notification.message}`
      : '';
  const color = noticeNewer ? (notice.tone === 'error' ? 'red' : 'cyan') : notification ? NOTIFY_COLOR[notification.kind] : undefined;
  const shown = message ? `${fitText(safeLine(message), room)}  ` : '';
  return (
    <Text wrap="truncate">
      {shown ? <Text color={color}>{shown}</Text> : null}
      <Text bold>{essential}</Text>
      <Text dimColor>{`  ${keys}`}</Text>
    </Text>
  );
}

/** Cuts text to `width` columns with an ellipsis (no padding). */
function fitText(text: string, width: number): string {
  const chars = [...text];
  return chars.length > width ? `${chars.slice(0, Math.max(0, width - 1)).join('')}…` : text;
}
