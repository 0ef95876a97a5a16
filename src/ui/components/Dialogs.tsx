import { Box, Text } from 'ink';
import { safeLine, safeText } from '../../engine/index.js';

/** A yes/no question (y or Enter confirms, n or Esc cancels). */
export function ConfirmDialog({ message, width }: { message: string; width: number }) {
  return (
    <Box borderStyle="round" borderColor="yellow" paddingX={1} width={Math.min(width, 72)} flexDirection="column">
      <Text wrap="wrap">{safeText(message)}</Text>
      <Text dimColor>y confirms, n or Esc cancels</Text>
    </Box>
  );
}

/** One line of text being typed (Enter accepts, Esc cancels). */
export function InputDialog({ title, value, hint, width }: { title: string; value: string; hint: string; width: number }) {
  return (
    <Box borderStyle="round" borderColor="cyan" paddingX={1} width={Math.min(width, 72)} flexDirection="column">
      <Text bold>{safeLine(title)}</Text>
      <Text wrap="truncate-start">
        {safeLine(value, 10_000)}
        <Text inverse> </Text>
      </Text>
      <Text dimColor>{hint}</Text>
    </Box>
  );
}

/** Scrollable text (diff output and the like): ↑/↓ scroll, Esc or q closes. */
export function TextOverlay({ title, text, scroll, width, height }: { title: string; text: string; scroll: number; width: number; height: number }) {
  // Diff output and logs hold outside text: each line is a safe line (tabs kept as spaces).
  const lines = safeText(text).replace(/\t/g, '    ').split('\n');
  const rows = Math.max(1, height - 3);
  return (
    <Box borderStyle="round" borderColor="cyan" width={width} height={height} flexDirection="column" overflow="hidden">
      <Text bold wrap="truncate">
        {safeLine(title)} <Text dimColor>(↑/↓ scroll, Esc closes; lines {Math.min(scroll + 1, lines.length)}-{Math.min(scroll + rows, lines.length)} of {lines.length})</Text>
      </Text>
      {lines.slice(scroll, scroll + rows).map((l, i) => (
        <Text key={i} wrap="truncate">
          {l.startsWith('+') && !l.startsWith('+++') ? <Text color="green">{l}</Text> : l.startsWith('-') && !l.startsWith('---') ? <Text color="red">{l}</Text> : l}
        </Text>
      ))}
    </Box>
  );
}
