import { Box, Text, useInput, type Key } from 'ink';
import { splitInput } from '../keys.js';
import type { NewTaskDraft } from '../ui-store.js';

export const FORM_FIELDS = ['title', 'prompt', 'agent', 'base', 'tags'] as const;
type Field = (typeof FORM_FIELDS)[number];

export interface NewTaskFormProps {
  draft: NewTaskDraft;
  profiles: readonly string[];
  width: number;
  /** Applies a change to the latest draft (keys can arrive faster than renders). */
  update(change: (draft: NewTaskDraft) => NewTaskDraft): void;
  onSubmit(): void;
  onCancel(): void;
  /** Opens $EDITOR on the prompt (the host suspends the view meanwhile). */
  onEditor(): void;
  isActive?: boolean;
}

const LABELS: Record<Field, string> = { title: 'Title', prompt: 'Prompt', agent: 'Agent', base: 'Base branch', tags: 'Tags' };

/**
 * The new-task form. Tab / S-Tab (or Enter on one-line fields) move between fields; Enter in the
 * prompt adds a line; Ctrl-E, or e in an empty prompt, opens $EDITOR; ←/→ pick the agent profile;
 * Ctrl-S (or Enter on the last field) adds the task; Esc cancels.
 */
export function NewTaskForm({ draft, profiles, width, update, onSubmit, onCancel, onEditor, isActive = true }: NewTaskFormProps) {
  useInput(
    (raw, rawKey) => {
      for (const [input, key] of splitInput(raw, rawKey)) if (handleKey(input, key)) return;
    },
    { isActive },
  );

  /** Applies one keypress; true when the form is done with input (closed, submitted, editor). */
  function handleKey(input: string, key: Key): boolean {
    let editor = false;
    let submit = false;
    update((draft) => {
      const field = FORM_FIELDS[draft.field] ?? 'title';
      const move = (delta: number) => ({ ...draft, field: (draft.field + delta + FORM_FIELDS.length) % FORM_FIELDS.length });
      if (key.ctrl && input === 's') return (submit = true), draft;
      if ((key.ctrl && input === 'e') || (field === 'prompt' && input === 'e' && draft.prompt === '')) return (editor = true), draft;
      if (key.tab) return move(key.shift ? -1 : 1);
      if (key.upArrow && field !== 'prompt') return move(-1);
      if (key.downArrow && field !== 'prompt') return move(1);
      if (field === 'agent') {
        if (key.leftArrow || key.rightArrow || input === ' ') {
          const i = profiles.indexOf(draft.agent);
          const next = profiles[(i + (key.leftArrow ? -1 : 1) + profiles.length) % profiles.length] ?? draft.agent;
          return { ...draft, agent: next };
        }
        return key.return ? move(1) : draft;
      }
      if (key.return) {
        if (field === 'prompt') return { ...draft, prompt: `${draft.prompt}\n` };
        if (draft.field === FORM_FIELDS.length - 1) return (submit = true), draft;
        return move(1);
      }
      if (key.backspace || key.delete) return { ...draft, [field]: [...draft[field]].slice(0, -1).join('') };
      if (key.ctrl || key.meta || key.escape || !input) return draft;
      const text = field === 'prompt' ? input.replace(/\r\n?/g, '\n') : input.replace(/[\r\n]/g, ' ');
      return { ...draft, [field]: draft[field] + text };
    });
    if (key.escape) onCancel();
    else if (submit) onSubmit();
    else if (editor) onEditor();
    return key.escape || submit || editor;
  }

  const promptLines = draft.prompt.split('\n');
  return (
    <Box flexDirection="column" borderStyle="round" borderColor="cyan" paddingX={1} width={Math.min(width, 90)}>
      <Text bold>New task</Text>
      {FORM_FIELDS.map((f, i) => {
        const active = i === draft.field;
        const label = <Text color={active ? 'cyan' : undefined} bold={active}>{`${LABELS[f].padEnd(12)}`}</Text>;
        if (f === 'prompt') {
          return (
            <Box key={f} flexDirection="column">
              <Text>
                {label}
                <Text dimColor>{draft.prompt ? `${promptLines.length} line(s)` : '(Enter adds a line; Ctrl-E or e opens $EDITOR)'}</Text>
              </Text>
              {promptLines.slice(-6).map((l, j, arr) => (
                <Text key={j} wrap="truncate-start">
                  {'  │ '}
                  {l}
                  {active && j === arr.length - 1 ? <Text inverse> </Text> : null}
                </Text>
              ))}
            </Box>
          );
        }
        const value = draft[f];
        return (
          <Text key={f} wrap="truncate-start">
            {label}
            {f === 'agent' ? `‹ ${value} ›` : value}
            {active && f !== 'agent' ? <Text inverse> </Text> : null}
            {f === 'base' && !value ? <Text dimColor> (empty: the current branch)</Text> : null}
            {f === 'tags' && !value && !active ? <Text dimColor> (comma separated)</Text> : null}
          </Text>
        );
      })}
      {draft.error ? <Text color="red">{draft.error}</Text> : null}
      <Text dimColor>Tab next field · Ctrl-S adds · Esc cancels</Text>
    </Box>
  );
}
