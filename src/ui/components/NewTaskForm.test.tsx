import { render } from 'ink-testing-library';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../testing/fixtures.js';
import { useStore } from 'zustand';
import { createUiStore, emptyDraft, type NewTaskDraft } from '../ui-store.js';
import { NewTaskForm } from './NewTaskForm.js';

/** Wires the form to a UI store the way the app does. */
function Harness({ onDone }: { onDone(event: string, draft: NewTaskDraft): void }) {
  const [ui] = useState(() => createUiStore({ draft: emptyDraft('claude', '') }));
  const draft = useStore(ui, (s) => s.draft);
  const latest = () => ui.getState().draft;
  return (
    <NewTaskForm
      draft={draft}
      profiles={['aider', 'claude', 'codex']}
      width={90}
      update={(change) => ui.setState((s) => ({ draft: change(s.draft) }))}
      onSubmit={() => onDone('submit', latest())}
      onCancel={() => onDone('cancel', latest())}
      onEditor={() => onDone('editor', latest())}
    />
  );
}

const tick = () => new Promise((r) => setTimeout(r, 20));

describe('NewTaskForm', () => {
  it('fills title, multi-line prompt, agent, base and tags, then submits with Ctrl-S', async () => {
    const events: Array<[string, NewTaskDraft]> = [];
    const { stdin, lastFrame } = render(<Harness onDone={(e, d) => events.push([e, d])} />);
    for (const k of ['Fix login', '\t', 'line one', '\r', 'line two', '\t', '\x1b[C', '\t', 'dev', '\t', 'auth, ui']) {
      stdin.write(k);
      await tick();
    }
    await waitFor(() => expect(lastFrame()).toContain('auth, ui'));
    const frame = lastFrame()!;
    expect(frame).toContain('Fix login');
    expect(frame).toContain('│ line one');
    expect(frame).toContain('│ line two');
    expect(frame).toContain('‹ codex ›');
    stdin.write('\x13'); // Ctrl-S
    await waitFor(() => expect(events.map((e) => e[0])).toEqual(['submit']));
    expect(events[0]![1]).toMatchObject({ title: 'Fix login', prompt: 'line one\nline two', agent: 'codex', base: 'dev', tags: 'auth, ui' });
  });

  it('Esc cancels; Ctrl-E, or e in an empty prompt, asks for the editor', async () => {
    const events: string[] = [];
    const view = render(<Harness onDone={(e) => events.push(e)} />);
    view.stdin.write('\x05'); // Ctrl-E
    await waitFor(() => expect(events).toEqual(['editor']));
    view.stdin.write('\t');
    await tick();
    view.stdin.write('e');
    await waitFor(() => expect(events).toEqual(['editor', 'editor']));
    view.stdin.write('\x1b');
    await waitFor(() => expect(events).toEqual(['editor', 'editor', 'cancel']));
  });

  it('typed characters that arrive together are taken one by one (Tab and Enter included)', async () => {
    const events: Array<[string, NewTaskDraft]> = [];
    const { stdin } = render(<Harness onDone={(e, d) => events.push([e, d])} />);
    stdin.write('T\tp1\rp2\t\t\tx\r');
    await waitFor(() => expect(events.map((e) => e[0])).toEqual(['submit']));
    expect(events[0]![1]).toMatchObject({ title: 'T', prompt: 'p1\np2', tags: 'x' });
  });
});
