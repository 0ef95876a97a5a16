import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { FakeSessions, screenOf, waitFor } from '../testing/fixtures.js';
import { LiveScreen } from '../../engine/index.js';
import { PanePainter, PanePainterContext } from '../pane-painter.js';
import { TestTerminal } from '../testing/terminal.js';
import { LivePane, screenLines, type LivePaneProps } from './LivePane.js';

describe('LivePane', () => {
  it('shows the selected session\'s screen and subscribes at the pane size', async () => {
    const sessions = new FakeSessions();
    sessions.screens.set('a', screenOf(['hello from a', '$ ']));
    const { lastFrame } = render(<LivePane sessions={sessions} taskId="a" emptyText="nothing" width={40} height={6} cols={38} rows={4} />);
    await waitFor(() => expect(lastFrame()).toContain('hello from a'));
    expect(sessions.subscribed).toEqual([{ taskId: 'a', cols: 38, rows: 4 }]);
  });

  it('re-renders when the session changes, and only for the visible session', async () => {
    const sessions = new FakeSessions();
    sessions.screens.set('a', screenOf(['one']));
    const { lastFrame, rerender } = render(<LivePane sessions={sessions} taskId="a" emptyText="-" width={40} height={6} cols={38} rows={4} throttleMs={5} />);
    await waitFor(() => expect(lastFrame()).toContain('one'));
    sessions.push('a', screenOf(['two']));
    await waitFor(() => expect(lastFrame()).toContain('two'));

    sessions.screens.set('b', screenOf(['bee']));
    rerender(<LivePane sessions={sessions} taskId="b" emptyText="-" width={40} height={6} cols={38} rows={4} throttleMs={5} />);
    await waitFor(() => expect(lastFrame()).toContain('bee'));
    expect(sessions.unsubscribed).toEqual(['a']);
    expect([...sessions.listeners.keys()]).toEqual(['b']);
  });

  it('throttles bursts of changes into few renders', async () => {
    const sessions = new FakeSessions();
    sessions.screens.set('a', screenOf(['0']));
    const { lastFrame, frames } = render(<LivePane sessions={sessions} taskId="a" emptyText="-" width={20} height={4} cols={18} rows={2} throttleMs={200} />);
    await waitFor(() => expect(lastFrame()).toContain('0'));
    const before = frames.length;
    for (let i = 1; i <= 50; i++) sessions.push('a', screenOf([`n${i}`]));
    await waitFor(() => expect(lastFrame()).toContain('n50'));
    expect(frames.length - before).toBeLessThan(5);
  });

  it('resizes the session when the pane changes size', async () => {
    const sessions = new FakeSessions();
    sessions.screens.set('a', screenOf(['x']));
    const { rerender } = render(<LivePane sessions={sessions} taskId="a" emptyText="-" width={40} height={6} cols={38} rows={4} />);
    expect(sessions.resized).toEqual([]);
    rerender(<LivePane sessions={sessions} taskId="a" emptyText="-" width={60} height={10} cols={58} rows={8} />);
    await waitFor(() => expect(sessions.resized).toEqual([{ taskId: 'a', cols: 58, rows: 8 }]));
  });

  it('a new selection is followed at the pane size, with no resize of its own (a tmux or ssh command per key)', async () => {
    const sessions = new FakeSessions();
    for (const id of ['a', 'b', 'c']) sessions.screens.set(id, screenOf([`screen ${id}`]));
    const { rerender, lastFrame } = render(<LivePane sessions={sessions} taskId="a" emptyText="-" width={40} height={6} cols={38} rows={4} />);
    for (const id of ['b', 'c', 'a']) {
      rerender(<LivePane sessions={sessions} taskId={id} emptyText="-" width={40} height={6} cols={38} rows={4} />);
      await new Promise((r) => setTimeout(r, 150));
    }
    await waitFor(() => expect(lastFrame()).toContain('screen a'));
    expect(sessions.resized).toEqual([]);
  });

  it('shows the empty text without a session, and unsubscribes on unmount', () => {
    const sessions = new FakeSessions();
    expect(render(<LivePane sessions={undefined} taskId="a" emptyText="sessions not available" width={40} height={5} cols={38} rows={3} />).lastFrame()).toContain('sessions not available');
    sessions.screens.set('a', screenOf(['x']));
    const view = render(<LivePane sessions={sessions} taskId="a" emptyText="-" width={40} height={5} cols={38} rows={3} />);
    view.unmount();
    expect(sessions.unsubscribed).toEqual(['a']);
  });

  it('without a live session shows the screen the agent left behind, asked again when the attempt or state changes', async () => {
    const sessions = new FakeSessions();
    sessions.lastScreens.set('a', screenOf(['Unable to connect', 'bye'], { x: 0, y: 1, visible: true }));
    const pane = (key: string) => (
      <LivePane sessions={sessions} taskId={null} replay={{ taskId: 'a', key }} title="a · running/exited" emptyText="a has no live session" width={40} height={6} cols={38} rows={3} />
    );
    const { lastFrame, rerender } = render(pane('1:exited'));
    await waitFor(() => expect(lastFrame()).toContain('Unable to connect'));
    expect(lastFrame()).toContain('a · running/exited · its last screen');
    expect(lastFrame()).not.toContain('has no live session');
    expect(lastFrame()).not.toContain('\x1b[7m'); // no cursor: the program is gone
    expect(sessions.lastScreenAsked).toEqual([{ taskId: 'a', cols: 38, rows: 3 }]);
    expect(sessions.subscribed).toEqual([]);
    sessions.lastScreens.set('a', screenOf(['attempt two output']));
    rerender(pane('2:exited'));
    await waitFor(() => expect(lastFrame()).toContain('attempt two output'));
    expect(sessions.lastScreenAsked).toHaveLength(2);
  });

  it('falls back to the empty text when there is no log to replay', async () => {
    const sessions = new FakeSessions();
    const { lastFrame } = render(<LivePane sessions={sessions} taskId={null} replay={{ taskId: 'a', key: '1' }} emptyText="a has no live session" width={40} height={5} cols={38} rows={3} />);
    await waitFor(() => expect(sessions.lastScreenAsked).toHaveLength(1));
    expect(lastFrame()).toContain('a has no live session');
  });

  it('draws the cursor when visible, and keeps SGR styling', () => {
    const lines = screenLines(screenOf(['\x1b[31mred\x1b[0m', 'ab'], { x: 1, y: 1, visible: true }), 2);
    expect(lines[0]).toBe('\x1b[31mred\x1b[0m\x1b[0m');
    expect(lines[1]).toBe('a\x1b[7mb\x1b[27m\x1b[0m');
    expect(screenLines(screenOf(['ab'], { x: 0, y: 0, visible: false }), 1)[0]).toBe('ab\x1b[0m');
  });
});

describe('LivePane title', () => {
  it('shows the title line above the screen', async () => {
    const sessions = new FakeSessions();
    sessions.screens.set('a', screenOf(['body']));
    const { lastFrame } = render(<LivePane sessions={sessions} taskId="a" title="a · running" emptyText="-" width={40} height={6} cols={38} rows={3} />);
    await waitFor(() => expect(lastFrame()).toContain('body'));
    const lines = lastFrame()!.split('\n');
    expect(lines[1]).toContain('a · running');
    expect(lines[2]).toContain('body');
  });
});

describe('LivePane with a painter (the real terminal)', () => {
  /** A pane at (0, 0) whose painter writes into a terminal emulator; rows of its region as text. */
  function painted() {
    const term = new TestTerminal(60, 8);
    let pending = '';
    const painter = new PanePainter({ write: (s: string) => void (pending += s) });
    const region = async () => {
      // Taken before the write: what the painter writes meanwhile is read next time, not dropped.
      const chunk = pending;
      pending = '';
      await term.write(chunk);
      return term.rows().slice(2, 6).map((r) => r.slice(1, 59).trimEnd());
    };
    const pane = (props: Partial<LivePaneProps>) => (
      <PanePainterContext.Provider value={painter}>
        <LivePane sessions={undefined} taskId={null} emptyText="-" title="t" width={60} height={7} cols={58} rows={4} at={{ x: 0, y: 0 }} throttleMs={5} {...props} />
      </PanePainterContext.Provider>
    );
    return { painter, region, pane, painted: () => pending };
  }

  it('paints the screen into its region, scrollback too, while Ink shows the title and a blank region', async () => {
    const live = new LiveScreen(38, 4, () => undefined);
    live.write(Array.from({ length: 20 }, (_, i) => `out ${i}`).join('\r\n'));
    await live.flush();
    const sessions = new FakeSessions('tmux');
    sessions.live.set('a', live);
    const p = painted();
    const { lastFrame, rerender } = render(p.pane({ sessions, taskId: 'a', title: 'a · running' }));
    await waitFor(() => expect(p.painted()).toContain('out 19'));
    expect(await p.region()).toEqual(['out 16', 'out 17', 'out 18', 'out 19']);
    expect(lastFrame()).toContain('a · running');
    expect(lastFrame()).not.toContain('out 1');
    rerender(p.pane({ sessions, taskId: 'a', title: 'a · running', scrollTop: 2, scrollHint: 'G live' }));
    await waitFor(() => expect(lastFrame()).toContain('a · running · scrollback 3-6 of 20 · G live'));
    expect(await p.region()).toEqual(['out 2', 'out 3', 'out 4', 'out 5']);
    live.dispose();
  });

  it("paints the screen a gone agent left, and clears for the empty text when there is none", async () => {
    const sessions = new FakeSessions();
    sessions.lastScreens.set('a', screenOf(['Unable to connect', 'bye']));
    const p = painted();
    const { lastFrame, rerender } = render(p.pane({ sessions, replay: { taskId: 'a', key: '1' }, title: 'a · exited', emptyText: 'a has no live session' }));
    await waitFor(() => expect(lastFrame()).toContain('a · exited · its last screen'));
    await waitFor(async () => expect(await p.region()).toEqual(['Unable to connect', 'bye', '', '']));
    rerender(p.pane({ sessions, replay: { taskId: 'b', key: '1' }, title: 'b · new', emptyText: 'b has no live session' }));
    await waitFor(() => expect(lastFrame()).toContain('b has no live session'));
    // The painter stops: the region is Ink's again (what it shows is what Ink writes there).
    const before = p.painted().length;
    p.painter.overwritten('all');
    expect(p.painted().length).toBe(before);
  });

  /** Screens served only while subscribed, as a tmux session's are (a client per shown screen). */
  class TmuxLikeSessions extends FakeSessions {
    override screen(taskId: string, options: { top?: number } = {}) {
      return this.listeners.has(taskId) ? super.screen(taskId, options) : null;
    }
  }

  it('follows a row passed quickly (a held j) only once the selection rests there, blank meanwhile', async () => {
    const sessions = new TmuxLikeSessions();
    for (const id of ['a', 'b', 'c', 'd']) sessions.screens.set(id, screenOf([`screen of ${id}`]));
    const p = painted();
    const pane = (taskId: string) => p.pane({ sessions, taskId, title: `${taskId} · running`, restMs: 1000 });
    // (waitFor does not wait for a promise: the region is read in a loop of its own.)
    let lastFrame: () => string | undefined = () => '';
    const regionIs = async (want: string[]) => {
      const end = Date.now() + 5000;
      for (;;) {
        const got = await p.region();
        if (JSON.stringify(got) === JSON.stringify(want) || Date.now() > end) return expect(got, `subscribed ${sessions.subscribed.map((x) => x.taskId)} unsubscribed ${sessions.unsubscribed} frame ${lastFrame()}`).toEqual(want);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    const view = render(pane('a'));
    const rerender = view.rerender;
    lastFrame = view.lastFrame;
    await regionIs(['screen of a', '', '', '']);
    // One move (none just before it): followed at once.
    rerender(pane('b'));
    await regionIs(['screen of b', '', '', '']);
    // Two more moves right after it: c is passed, d is followed once the selection rests (1 s here).
    rerender(pane('c'));
    rerender(pane('d'));
    await waitFor(() => expect(lastFrame()).toContain('d · running'));
    await regionIs(['', '', '', '']);
    expect(lastFrame()).not.toContain('its last screen');
    expect(sessions.subscribed.map((s) => s.taskId)).toEqual(['a', 'b']);
    await regionIs(['screen of d', '', '', '']);
    expect(sessions.subscribed.map((s) => s.taskId)).toEqual(['a', 'b', 'd']);
    expect(sessions.unsubscribed).toEqual(['a', 'b']);
  });
});
