import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { KEY_COMMANDS, formatKey, formatKeys, type KeyCategory, type Keymap } from '../keys.js';

const CATEGORY_TITLE: Record<KeyCategory, string> = { fleet: 'Fleet', task: 'Task', review: 'Reviews panel', view: 'View', app: 'App', scrollback: 'Scrollback (after b)' };

export interface HelpOverlayProps {
  keymap: Keymap;
  detachKey: string;
  width: number;
  /** Rows available for the whole overlay (border included). */
  height?: number;
  /** First line shown when the list does not fit (↑/↓ scroll). */
  scroll?: number;
}

/** Every command with its keys, generated from the keymap (so it is never stale). */
export function HelpOverlay({ keymap, detachKey, width, height = 100, scroll = 0 }: HelpOverlayProps) {
  const lines: ReactNode[] = [];
  for (const cat of [...new Set(KEY_COMMANDS.map((c) => c.category))]) {
    lines.push(<Text key={cat} color="cyan">{CATEGORY_TITLE[cat]}</Text>);
    for (const c of KEY_COMMANDS.filter((k) => k.category === cat)) {
      lines.push(
        <Text key={c.id} wrap="truncate">
          {'  '}
          {formatKeys(keymap[c.id]).padEnd(12)} {c.description} <Text dimColor>({c.id})</Text>
        </Text>,
      );
    }
  }
  lines.push(
    <Text key="detach" wrap="truncate">
      {'  '}
      {formatKey(detachKey).padEnd(12)} detach from an attached agent (config detachKey)
    </Text>,
    <Text key="override" dimColor wrap="truncate">
      Override keys in .flotilla/config.json: "keys": {'{'} "task.stop": ["x", "X"] {'}'}
    </Text>,
  );
  const room = Math.max(1, height - 3);
  const fits = lines.length <= room;
  const start = fits ? 0 : Math.min(Math.max(0, scroll), lines.length - room + 1);
  const shown = fits ? lines : lines.slice(start, start + room - 1);
  return (
    <Box flexDirection="column" borderStyle="double" borderColor="cyan" paddingX={1} width={Math.min(width, 80)}>
      <Text bold wrap="truncate">
        flotilla keys (? or Esc closes{fits ? '' : `; ↑/↓ scroll, ${start + 1}-${start + shown.length} of ${lines.length}`})
      </Text>
      {shown}
      {fits ? null : <Text dimColor>…</Text>}
    </Box>
  );
}
