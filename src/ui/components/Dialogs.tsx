import { Box, Text } from 'ink';

/** A yes/no question (y or Enter confirms, n or Esc cancels). */
export function ConfirmDialog({ message, width }: { message: string; width: number }) {
  return (
    <Box borderStyle="round" borderColor="yellow" paddingX={1} width={Math.min(width, 72)} flexDirection="column">
      <Text wrap="wrap">{message}</Text>
      <Text dimColor>y confirms, n or Esc cancels</Text>
    </Box>
  );
}

/** One line of text being typed (Enter accepts, Esc cancels). */
export function InputDialog({ title, value, hint, width }: { title: string; value: string; hint: string; width: number }) {
  return (
    <Box borderStyle="round" borderColor="cyan" paddingX={1} width={Math.min(width, 72)} flexDirection="column">
      <Text bold>{title}</Text>
      <Text wrap="truncate-start">
        {value}
        <Text inverse> </Text>
      </Text>
      <Text dimColor>{hint}</Text>
    </Box>
  );
}

/** Scrollable text (diff output and the like): ↑/↓ scroll, Esc or q closes. */
export function TextOverlay({ title, text, scroll, width, height }: { title: string; text: string; scroll: number; width: number; height: number }) {
  const lines = text.split('\n');
  const rows = Math.max(1, height - 3);
  return (
    <Box borderStyle="round" borderColor="cyan" width={width} height={height} flexDirection="column" overflow="hidden">
      <Text bold wrap="truncate">
        {title} <Text dimColor>(↑/↓ scroll, Esc closes; lines {Math.min(scroll + 1, lines.length)}-{Math.min(scroll + rows, lines.length)} of {lines.length})</Text>
      </Text>
      {lines.slice(scroll, scroll + rows).map((l, i) => (
        <Text key={i} wrap="truncate">
          {l.startsWith('+') && !l.startsWith('+++') ? <Text color="green">{l}</Text> : l.startsWith('-') && !l.startsWith('---') ? <Text color="red">{l}</Text> : l}
        </Text>
      ))}
    </Box>
  );
}
