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

/** Breaks a line into pieces of at most `width` columns, at spaces where it can. */
export function wrapLine(line: string, width: number): string[] {
  const out: string[] = [];
  let rest = [...line];
  while (rest.length > width) {
    const head = rest.slice(0, width);
    const space = head.lastIndexOf(' ');
    const cut = space > width / 3 ? space : width;
    out.push(rest.slice(0, cut).join('').trimEnd());
    rest = [...rest.slice(cut).join('').trimStart()];
  }
  out.push(rest.join(''));
  return out;
}

/**
 * Scrollable text (diff output and the like): ↑/↓ scroll, Esc or q closes. With wrap, long lines
 * are broken to the width (prose: a finding in full); without, they are cut (diffs, logs).
 */
export function TextOverlay({ title, text, scroll, width, height, wrap = false }: { title: string; text: string; scroll: number; width: number; height: number; wrap?: boolean }) {
  // Diff output, logs and findings hold outside text: each line is a safe line (tabs kept as spaces).
  const safe = safeText(text).replace(/\t/g, '    ');
  const lines = wrap ? safe.split('\n').flatMap((l) => wrapLine(l, Math.max(10, width - 2))) : safe.split('\n');
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
