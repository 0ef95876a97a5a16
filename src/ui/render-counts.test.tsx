import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { App } from './app.js';
import { PanePainter, PanePainterContext } from './pane-painter.js';
import { RenderProbe } from './render-probe.js';
import { FakeSessions, fakeFleet, makeAttempt, makeTask, screenOf, waitFor } from './testing/fixtures.js';
import { createUiStore } from './ui-store.js';

/** 100 running agents, each with a live screen; renders of rows and of the pane counted. */
function hundredAgents(painter: PanePainter | null = null) {
  const ids = Array.from({ length: 100 }, (_, i) => `agent-${String(i).padStart(3, '0')}`);
  const sessions = new FakeSessions();
  for (const id of ids) sessions.screens.set(id, screenOf([`${id} line 0`]));
  const tasks = ids.map((id) => makeTask({ id, state: 'running', attempts: [makeAttempt(1, { state: 'working' })] }));
  const fleet = fakeFleet({ tasks, sessions });
  const ui = createUiStore();
  const counts = new Map<string, number>();
  const count = (name: string) => counts.set(name, (counts.get(name) ?? 0) + 1);
  const view = render(
    <RenderProbe.Provider value={count}>
      <PanePainterContext.Provider value={painter}>
        <App fleet={fleet} ui={ui} onRequest={() => undefined} size={{ columns: 200, rows: 50 }} />
      </PanePainterContext.Provider>
    </RenderProbe.Provider>,
  );
  const frame = () => view.lastFrame() ?? '';
  const renders = (name: string) => counts.get(name) ?? 0;
  const settle = () => new Promise((r) => setTimeout(r, 120));
  return { ids, sessions, fleet, ui, view, frame, renders, counts, settle };
}

describe('the fleet view re-renders only what changed', () => {
  it('a live screen update redraws the pane, not the list', async () => {
    const v = hundredAgents();
    await waitFor(() => expect(v.frame()).toContain('agent-000 line 0'));
    await v.settle();
    const rows = v.renders('FleetRow');
    const pane = v.renders('LivePane');
    expect(rows).toBeGreaterThan(10); // the rows were drawn once (the list shows ~40 of 100)
    for (let i = 1; i <= 5; i++) {
      v.sessions.push('agent-000', screenOf([`agent-000 line ${i}`]));
      await waitFor(() => expect(v.frame()).toContain(`agent-000 line ${i}`));
    }
    expect(v.renders('LivePane')).toBeGreaterThan(pane);
    expect(v.renders('FleetRow')).toBe(rows);
    v.view.unmount();
  });

  it('with the painter (the real terminal), a live screen update renders nothing: the painter writes the changed row', async () => {
    let painted = '';
    const v = hundredAgents(new PanePainter({ write: (s: string) => (painted += s) }));
    await waitFor(() => expect(painted).toContain('agent-000 line 0'));
    await v.settle();
    expect(v.frame()).not.toContain('agent-000 line 0'); // Ink keeps the region blank
    const renders = new Map(v.counts);
    for (let i = 1; i <= 5; i++) {
      const before = painted.length;
      v.sessions.push('agent-000', screenOf([`agent-000 line ${i}`]));
      await waitFor(() => expect(painted.slice(before)).toContain(`agent-000 line ${i}`));
      expect(painted.slice(before).match(/\x1b\[\d+;\d+H/g)).toHaveLength(1); // one row
    }
    await v.settle();
    expect(v.counts).toEqual(renders); // no App, LivePane or FleetRow render
    v.view.unmount();
  });

  it('with the painter, moving the selection renders the pane once (its title), and the painter draws the new screen', async () => {
    let painted = '';
    const v = hundredAgents(new PanePainter({ write: (s: string) => (painted += s) }));
    await waitFor(() => expect(painted).toContain('agent-000 line 0'));
    await v.settle();
    const pane = v.renders('LivePane');
    const app = v.renders('App');
    v.view.stdin.write('j');
    await waitFor(() => expect(painted).toContain('agent-001 line 0'));
    await v.settle();
    expect(v.frame()).toContain('agent-001 · running');
    expect(v.renders('LivePane') - pane).toBe(1);
    expect(v.renders('App') - app).toBe(1);
    v.view.unmount();
  });

  it('moving the selection redraws two rows; a key that changes nothing in the pane leaves it alone', async () => {
    const v = hundredAgents();
    await waitFor(() => expect(v.frame()).toContain('agent-000 line 0'));
    await v.settle();
    let rows = v.renders('FleetRow');
    v.view.stdin.write('j');
    await waitFor(() => expect(v.frame()).toContain('agent-001 line 0'));
    await v.settle();
    expect(v.renders('FleetRow') - rows).toBe(2); // the row left and the row selected
    rows = v.renders('FleetRow');
    const pane = v.renders('LivePane');
    v.view.stdin.write('\t'); // next panel
    await waitFor(() => expect(v.ui.getState().panel).toBe('queue'));
    await v.settle();
    expect(v.renders('LivePane')).toBe(pane);
    expect(v.renders('FleetRow')).toBe(rows);
    v.view.unmount();
  });

  it('a registry refresh that changes one task redraws that row only', async () => {
    const v = hundredAgents();
    await waitFor(() => expect(v.frame()).toContain('agent-000 line 0'));
    await v.settle();
    const rows = v.renders('FleetRow');
    const pane = v.renders('LivePane');
    // A refresh parses the registry again: every task is a new object, one of them changed.
    const tasks = v.fleet.store.getState().tasks.map((t) => structuredClone(t));
    tasks[3] = { ...tasks[3]!, attempts: [makeAttempt(1, { state: 'waiting' })] };
    v.fleet.store.setState({ tasks });
    await waitFor(() => expect(v.frame()).toMatch(/agent-003\s+claude\s+running\/waiting/));
    await v.settle();
    expect(v.renders('FleetRow') - rows).toBe(1);
    expect(v.renders('LivePane')).toBe(pane);
    v.view.unmount();
  });
});
