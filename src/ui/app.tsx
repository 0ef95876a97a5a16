import { Box, Text, useInput, type Key } from 'ink';
import { useEffect, useMemo } from 'react';
import { useStore } from 'zustand';
import { profileNames } from '../engine/agents/profiles.js';
import { runCommand } from './commands.js';
import { runAction, submitDraft, visibleTasks } from './actions.js';
import { ConfirmDialog, InputDialog, TextOverlay } from './components/Dialogs.js';
import { FleetList } from './components/FleetList.js';
import { HelpOverlay } from './components/HelpOverlay.js';
import { LivePane } from './components/LivePane.js';
import { NewTaskForm } from './components/NewTaskForm.js';
import { Panels } from './components/Panels.js';
import { StatusBar } from './components/StatusBar.js';
import { liveSession } from './format.js';
import { buildKeymap, commandForKey, splitInput, type Keymap } from './keys.js';
import { MIN_COLUMNS, MIN_ROWS, computeLayout, tooSmall } from './layout.js';
import type { TermSize, UiFleet, UiRequest } from './types.js';
import { notify, type UiStore } from './ui-store.js';
import { useTermSize } from './use-term-size.js';

export interface AppProps {
  fleet: UiFleet;
  ui: UiStore;
  /** Leaves the Ink view for something outside it (attach, $EDITOR) or quits. */
  onRequest(request: UiRequest): void;
  keymap?: Keymap;
  /** Fixed size (tests); otherwise the output stream's size, followed on resize. */
  size?: TermSize;
}

/** The fleet view: list, live pane of the selected agent, panels, status bar and overlays. */
export function App({ fleet, ui, onRequest, keymap: givenKeymap, size: fixedSize }: AppProps) {
  const keymap = useMemo(() => givenKeymap ?? buildKeymap(fleet.config.keys), [givenKeymap, fleet.config.keys]);
  const tasks = useStore(fleet.store, (s) => s.tasks);
  const notifications = useStore(fleet.store, (s) => s.notifications);
  const engineError = useStore(fleet.store, (s) => s.error);
  const state = useStore(ui);
  const size = useTermSize(fixedSize);
  const visible = useMemo(() => visibleTasks(tasks, state.filter), [tasks, state.filter]);
  const task = visible.find((t) => t.id === state.selectedId) ?? visible[0];

  useEffect(() => {
    if ((task?.id ?? null) !== state.selectedId) ui.setState({ selectedId: task?.id ?? null });
  }, [task?.id, state.selectedId, ui]);

  const overlay = state.overlay;
  const close = () => ui.setState({ overlay: { kind: 'none' } });
  const small = tooSmall(size);

  useInput((raw, rawKey) => {
    for (const [input, key] of splitInput(raw, rawKey)) handleKey(input, key);
  }, { isActive: overlay.kind !== 'new-task' && !small });

  function handleKey(input: string, key: Key): void {
      // Read the stores now, not the last render: keys can arrive faster than frames.
      const now = ui.getState();
      const overlay = now.overlay;
      switch (overlay.kind) {
        case 'none': {
          const id = commandForKey(keymap, input, key);
          if (!id) return;
          const shown = visibleTasks(fleet.store.getState().tasks, now.filter);
          const current = shown.find((t) => t.id === now.selectedId) ?? shown[0];
          runAction(id, { fleet, ui, visible: shown, task: current, onRequest });
          return;
        }
        case 'help':
          if (key.escape || input === '?' || input === 'q') close();
          return;
        case 'confirm-stop':
        case 'confirm-quit':
          if (input === 'y' || input === 'Y' || key.return) {
            close();
            if (overlay.kind === 'confirm-quit') onRequest({ kind: 'quit' });
            else void runCommand(fleet, ui, 'task.stop', { id: overlay.taskId }, `stopped ${overlay.taskId}`);
          } else if (input === 'n' || input === 'N' || key.escape) {
            close();
            notify(ui, 'cancelled');
          }
          return;
        case 'filter':
        case 'retry-note': {
          const text = overlay.kind === 'filter' ? overlay.text : overlay.note;
          if (key.escape) {
            close();
            if (overlay.kind === 'filter') ui.setState({ filter: '' });
            return;
          }
          if (key.return) {
            close();
            if (overlay.kind === 'filter') ui.setState({ filter: text.trim() });
            else {
              const note = text.trim();
              void runCommand(fleet, ui, 'task.retry', note ? { id: overlay.taskId, note } : { id: overlay.taskId }, `retrying ${overlay.taskId}`);
            }
            return;
          }
          let next = text;
          if (key.backspace || key.delete) next = [...text].slice(0, -1).join('');
          else if (!key.ctrl && !key.meta && input) next = text + input.replace(/[\r\n]/g, ' ');
          ui.setState({ overlay: overlay.kind === 'filter' ? { ...overlay, text: next } : { ...overlay, note: next } });
          return;
        }
        case 'text': {
          if (key.escape || input === 'q') return close();
          const delta = key.downArrow || input === 'j' ? 1 : key.upArrow || input === 'k' ? -1 : key.pageDown ? 10 : key.pageUp ? -10 : 0;
          const max = Math.max(0, overlay.text.split('\n').length - 1);
          if (delta) ui.setState({ overlay: { ...overlay, scroll: Math.min(max, Math.max(0, overlay.scroll + delta)) } });
          return;
        }
        case 'new-task':
          return; // the form listens itself
      }
  }
  // Too small: only quit works.
  useInput((input, key) => { if (input === 'q' || (key.ctrl && input === 'c')) onRequest({ kind: 'quit' }); }, { isActive: small });

  if (small) {
    return <Text color="yellow" wrap="truncate">{`terminal too small (need ${MIN_COLUMNS}x${MIN_ROWS})`}</Text>;
  }

  const layout = computeLayout(size, visible.length);
  const hasLive = liveSession(task);
  const emptyText = !task
    ? 'no task selected'
    : !fleet.sessions
      ? `no live view: agent sessions not available yet in this build (${task.id} is ${task.state})`
      : hasLive
        ? `connecting to ${task.id}…`
        : `${task.id} has no live session (${task.state}${task.attempts.length ? '' : '; s starts it'})`;
  const list = (
    <FleetList tasks={visible} selectedId={task?.id ?? null} config={fleet.config} width={layout.list.width} height={layout.list.height} filter={state.filter} now={state.now} />
  );
  const pane = (
    <LivePane
      sessions={fleet.sessions}
      taskId={hasLive && task ? task.id : null}
      emptyText={emptyText}
      width={layout.pane.width}
      height={layout.pane.height}
      cols={layout.screen.cols}
      rows={layout.screen.rows}
    />
  );
  const panels = (
    <Panels
      panel={state.panel}
      task={task}
      tasks={tasks}
      config={fleet.config}
      admissionAvailable={Boolean(fleet.admission)}
      resources={state.resources}
      resourcesError={state.resourcesError}
      width={layout.panels.width}
      height={layout.panels.height}
    />
  );
  const body =
    layout.mode === 'wide' ? (
      <Box flexDirection="row">
        <Box flexDirection="column">
          {list}
          {panels}
        </Box>
        {pane}
      </Box>
    ) : (
      <Box flexDirection="column">
        {list}
        {pane}
        {panels}
      </Box>
    );

  let dialog: React.ReactNode = null;
  if (overlay.kind === 'help') dialog = <HelpOverlay keymap={keymap} detachKey={fleet.config.detachKey} width={size.columns} />;
  else if (overlay.kind === 'confirm-stop') dialog = <ConfirmDialog message={`Stop ${overlay.taskId}? Its agent is killed; the worktree stays.`} width={size.columns} />;
  else if (overlay.kind === 'confirm-quit')
    dialog = <ConfirmDialog message={`Quit? ${overlay.running} agent(s) run inside this process (pty runtime) and will be stopped.`} width={size.columns} />;
  else if (overlay.kind === 'filter') dialog = <InputDialog title="Filter tasks" value={overlay.text} hint="Enter applies, Esc clears" width={size.columns} />;
  else if (overlay.kind === 'retry-note')
    dialog = <InputDialog title={`Retry ${overlay.taskId}: a note for the next attempt (optional)`} value={overlay.note} hint="Enter retries, Esc cancels" width={size.columns} />;
  else if (overlay.kind === 'text') dialog = <TextOverlay title={overlay.title} text={overlay.text} scroll={overlay.scroll} width={size.columns} height={layout.height - 1} />;
  else if (overlay.kind === 'new-task')
    dialog = (
      <NewTaskForm
        draft={state.draft}
        profiles={profileNames(fleet.config)}
        width={size.columns}
        update={(change) => ui.setState((s) => ({ draft: { ...change(s.draft), error: null } }))}
        onSubmit={() => void submitDraft(fleet, ui, ui.getState().draft)}
        onCancel={close}
        onEditor={() => onRequest({ kind: 'editor' })}
      />
    );

  const latest = notifications.at(-1);
  return (
    <Box flexDirection="column" width={layout.width} height={layout.height}>
      {dialog ? (
        <Box flexDirection="column" height={layout.height - 1} alignItems="center" justifyContent="center">
          {dialog}
        </Box>
      ) : (
        body
      )}
      <StatusBar
        keymap={keymap}
        hasTask={Boolean(task)}
        notice={engineError ? { text: engineError, tone: 'error', at: Date.now() } : state.notice}
        notification={latest}
        width={size.columns}
      />
    </Box>
  );
}
