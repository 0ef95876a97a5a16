import { Box, Text, useInput } from 'ink';
import { useEffect, useMemo } from 'react';
import { useStore } from 'zustand';
import { profileNames } from '../engine/index.js';
import { runAction, submitDraft, visibleTasks } from './actions.js';
import { describeTargets } from './bulk.js';
import { handleViewKey } from './handle-key.js';
import { handleMouse, parseMouse } from './mouse.js';
import { scrollbackHint } from './scrollback.js';
import { ConfirmDialog, InputDialog, TextOverlay } from './components/Dialogs.js';
import { FleetList, idColumns } from './components/FleetList.js';
import { HelpOverlay } from './components/HelpOverlay.js';
import { LivePane } from './components/LivePane.js';
import { NewTaskForm } from './components/NewTaskForm.js';
import { Panels } from './components/Panels.js';
import { StatusBar } from './components/StatusBar.js';
import { liveSession, needsYouText, paneHostText, statusText, taskHost } from './format.js';
import { buildKeymap, formatKeys, splitInput, type Keymap } from './keys.js';
import { MIN_COLUMNS, MIN_ROWS, computeLayout, tooSmall } from './layout.js';
import type { TermSize, UiFleet, UiRequest } from './types.js';
import type { UiStore } from './ui-store.js';
import { drawNextFrameNow } from './frame-now.js';
import { useRenderProbe } from './render-probe.js';
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
  useRenderProbe('App');
  const keymap = useMemo(() => givenKeymap ?? buildKeymap(fleet.config.keys), [givenKeymap, fleet.config.keys]);
  const tasks = useStore(fleet.store, (s) => s.tasks);
  const notifications = useStore(fleet.store, (s) => s.notifications);
  const engineError = useStore(fleet.store, (s) => s.error);
  const hostsDown = useStore(fleet.store, (s) => s.hostsDown);
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
  // New agents start at the size the pane shows them at (also agents started from the CLI later).
  const longestId = useMemo(() => Math.max(0, ...tasks.map(idColumns)), [tasks]);
  const layout = small ? null : computeLayout(size, visible.length, longestId);
  const screen = layout?.screen ?? null;
  const listPage = Math.max(1, (layout?.list.height ?? 14) - 4);
  useEffect(() => {
    if (screen) fleet.sessions?.setStartSize({ cols: screen.cols, rows: screen.rows });
  }, [fleet.sessions, screen?.cols, screen?.rows]);

  useInput((raw, rawKey) => {
    drawNextFrameNow();
    const mouse = parseMouse(raw);
    if (mouse) {
      if (layout && ui.getState().overlay.kind === 'none') handleMouse(mouse, ui, layout, visibleTasks(fleet.store.getState().tasks, ui.getState().filter));
      return;
    }
    for (const [input, key] of splitInput(raw, rawKey)) handleViewKey(input, key, { fleet, ui, keymap, onRequest, pageSize: listPage });
  }, { isActive: overlay.kind !== 'new-task' && !small });

  // Too small: only quit works (asking first with live pty agents, on the same one line).
  useInput(
    (input, key) => {
      if (ui.getState().overlay.kind === 'confirm-quit') return handleViewKey(input, key, { fleet, ui, keymap, onRequest });
      if (input === 'q' || (key.ctrl && input === 'c')) runAction('app.quit', { fleet, ui, visible, task, onRequest });
    },
    { isActive: small },
  );

  if (small || !layout) {
    const text =
      overlay.kind === 'confirm-quit'
        ? `quit and stop ${overlay.running} agent(s)? y/n`
        : `terminal too small (need ${MIN_COLUMNS}x${MIN_ROWS})`;
    return <Text color="yellow" wrap="truncate">{text}</Text>;
  }

  const hasLive = liveSession(task);
  const lastAttempt = task?.attempts.at(-1);
  const host = task ? taskHost(task, hostsDown) : null;
  const paneHost = host ? paneHostText(host) : '';
  const emptyText = !task
    ? 'no task selected'
    : !fleet.sessions
      ? `no live view: agent sessions not available yet in this build (${task.id} is ${task.state})`
      : hasLive
        ? `connecting to ${task.id}…`
        : `${task.id} has no live session (${task.state}${task.attempts.length ? '' : '; s starts it'})`;
  const list = (
    <FleetList tasks={visible} selectedId={task?.id ?? null} config={fleet.config} width={layout.list.width} height={layout.list.height} filter={state.filter} filterEditing={state.filterEditing} marked={state.marked} now={state.now} {...(hostsDown ? { hostsDown } : {})} />
  );
  const pane = (
    <LivePane
      sessions={fleet.sessions}
      taskId={hasLive && task ? task.id : null}
      emptyText={emptyText}
      replay={!hasLive && lastAttempt && task ? { taskId: task.id, key: `${lastAttempt.n}:${lastAttempt.session?.state ?? '-'}:${lastAttempt.session?.since ?? '-'}` } : null}
      title={task ? `${task.id} · ${statusText(task)}${paneHost ? ` · ${paneHost}` : ''}${needsYouText(task) ? ` · ${needsYouText(task)}` : ''}${hasLive ? ` · ${formatKeys(keymap['task.attach'])} attaches, ${fleet.config.detachKey} returns` : ''}` : undefined}
      scrollTop={overlay.kind === 'scrollback' && overlay.taskId === task?.id ? overlay.top : null}
      scrollHint={overlay.kind === 'scrollback' ? (overlay.search !== null ? `search ↑: ${overlay.search}▏ (Enter finds, Esc cancels)` : scrollbackHint(keymap)) : ''}
      width={layout.pane.width}
      height={layout.pane.height}
      cols={layout.screen.cols}
      rows={layout.screen.rows}
      at={layout.mode === 'wide' ? { x: layout.list.width, y: 0 } : { x: 0, y: layout.list.height }}
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
      findingCursor={state.findingCursor}
      showFolded={state.showFolded}
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
  if (overlay.kind === 'help') dialog = <HelpOverlay keymap={keymap} detachKey={fleet.config.detachKey} width={size.columns} height={layout.height - 1} scroll={overlay.scroll} />;
  else if (overlay.kind === 'confirm-stop') {
    const what = overlay.taskIds.length === 1 ? overlay.taskIds[0] : `${overlay.taskIds.length} tasks (${overlay.taskIds.join(', ')})`;
    dialog = <ConfirmDialog message={`Stop ${what}? The agents are killed; worktrees stay; ready and escalated tasks keep their state.`} width={size.columns} />;
  }
  else if (overlay.kind === 'confirm-merge')
    dialog = <ConfirmDialog message={`Merge ${overlay.ids.join(' → ')} into their base, one at a time? Each is checked again on the new base first; the first failure stops the train.`} width={size.columns} />;
  else if (overlay.kind === 'confirm-quit')
    dialog = <ConfirmDialog message={`Quit? ${overlay.running} agent(s) run inside this process (pty runtime) and will be stopped.`} width={size.columns} />;
  else if (overlay.kind === 'retry-note') {
    const what = describeTargets(overlay.taskIds);
    const title = overlay.force
      ? `Retry ${what}: escalated (past the attempt cap); Enter retries anyway, as --force. A note for the next attempt (optional)`
      : `Retry ${what}: a note for the next attempt (optional)`;
    dialog = <InputDialog title={title} value={overlay.note} hint={overlay.force ? 'Enter retries with --force, Esc cancels' : 'Enter retries, Esc cancels'} width={size.columns} />;
  }
  else if (overlay.kind === 'text') dialog = <TextOverlay title={overlay.title} text={overlay.text} scroll={overlay.scroll} width={size.columns} height={layout.height - 1} wrap={overlay.wrap ?? false} />;
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
        <Box flexDirection="column" height={layout.height - 1} alignItems="center" justifyContent="center" overflow="hidden">
          {dialog}
        </Box>
      ) : (
        body
      )}
      {overlay.kind === 'reply' ? (
        // The reply is typed on the status bar's line, so the agent's screen stays in view.
        <Text wrap="truncate-start">
          <Text color="cyan">{`reply to ${overlay.taskId} › `}</Text>
          {overlay.text}
          <Text inverse> </Text>
          <Text dimColor>  Enter sends · Esc cancels</Text>
        </Text>
      ) : (
        <StatusBar
          keymap={keymap}
          hasTask={Boolean(task)}
          notice={engineError ? { text: engineError, tone: 'error', at: Date.now() } : state.notice}
          notification={latest}
          width={size.columns}
          reviews={state.panel === 'reviews'}
        />
      )}
    </Box>
  );
}
