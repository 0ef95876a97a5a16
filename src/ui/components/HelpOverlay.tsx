import { Box, Text } from 'ink';
import { KEY_COMMANDS, formatKey, formatKeys, type KeyCategory, type Keymap } from '../keys.js';

const CATEGORY_TITLE: Record<KeyCategory, string> = { fleet: 'Fleet', task: 'Task', view: 'View', app: 'App' };

/** Every command with its keys, generated from the keymap (so it is never stale). */
export function HelpOverlay({ keymap, detachKey, width }: { keymap: Keymap; detachKey: string; width: number }) {
  const categories = [...new Set(KEY_COMMANDS.map((c) => c.category))];
  return (
    <Box flexDirection="column" borderStyle="double" borderColor="cyan" paddingX={1} width={Math.min(width, 80)}>
      <Text bold>flotilla keys (? or Esc closes)</Text>
      {categories.map((cat) => (
        <Box key={cat} flexDirection="column">
          <Text color="cyan">{CATEGORY_TITLE[cat]}</Text>
          {KEY_COMMANDS.filter((c) => c.category === cat).map((c) => (
            <Text key={c.id} wrap="truncate">
              {'  '}
              {formatKeys(keymap[c.id]).padEnd(12)} {c.description} <Text dimColor>({c.id})</Text>
            </Text>
          ))}
        </Box>
      ))}
      <Text wrap="truncate">
        {'  '}
        {formatKey(detachKey).padEnd(12)} detach from an attached agent (config detachKey)
      </Text>
      <Text dimColor wrap="truncate">Override keys in .flotilla/config.json: "keys": {'{'} "task.stop": ["x", "X"] {'}'}</Text>
    </Box>
  );
}
