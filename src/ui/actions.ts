import type { Task } from '../engine/index.js';
import { commandAvailable, runCommand } from './commands.js';
import { listedFindings } from './components/ReviewsPanel.js';
import { filterTasks, liveSession } from './format.js';
import { commandById, type CommandId } from './keys.js';
import type { UiFleet, UiRequest } from './types.js';
import { PANELS, emptyDraft, notify, type NewTaskDraft, type UiStore } from './ui-store.js';

export interface ActionContext {
  fleet: UiFleet;
  ui: UiStore;
  visible: readonly Task[];
  task: Task | undefined;
  onRequest(request: UiRequest): void;
}

/** Runs one keymap command of the fleet view. */
export function runAction(id: CommandId, ctx: ActionContext): void {
  const { fleet, ui, visible, task } = ctx;
  const command = commandById(id);
  if (command?.needsTask && !task) {
    notify(ui, `${command.label}: no task selected`, 'error');
    return;
  }
  const taskId = task?.id ?? '';
  switch (id) {
    case 'fleet.select-prev':
    case 'fleet.select-next': {
      if (visible.length === 0) return notify(ui, 'no task selected (the list is empty)', 'error');
      const i = visible.findIndex((t) => t.id === task?.id);
      const next = id === 'fleet.select-next' ? Math.min(visible.length - 1, i + 1) : Math.max(0, i - 1);
      ui.setState({ selectedId: visible[next]!.id, findingCursor: 0 });
      return;
    }
    case 'fleet.filter':
      ui.setState({ overlay: { kind: 'filter', text: ui.getState().filter } });
      return;
    case 'task.attach':
      if (!fleet.sessions) return notify(ui, 'attach: agent sessions not available yet in this build', 'error');
      if (!liveSession(task)) return notify(ui, `attach: ${taskId} has no live session (s starts it)`, 'error');
      ctx.onRequest({ kind: 'attach', taskId });
      return;
    case 'task.new': {
      const draft = ui.getState().draft;
      const fresh = !draft.title && !draft.prompt;
      ui.setState({
        overlay: { kind: 'new-task' },
        draft: fresh ? emptyDraft(draft.agent || fleet.config.defaultAgent, draft.base || fleet.config.baseBranch) : draft,
      });
      return;
    }
    case 'task.start':
      void runCommand(fleet, ui, 'task.start', { id: taskId }, `started ${taskId}`);
      return;
    case 'task.stop':
      if (!commandAvailable(fleet, 'task.stop')) return notify(ui, 'task.stop: not available yet in this build of flotilla', 'error');
      ui.setState({ overlay: { kind: 'confirm-stop', taskId } });
      return;
    case 'task.retry':
      if (!commandAvailable(fleet, 'task.retry')) return notify(ui, 'task.retry: not available yet in this build of flotilla', 'error');
      ui.setState({ overlay: { kind: 'retry-note', taskId, note: '' } });
      return;
    case 'task.review':
      if (!commandAvailable(fleet, 'task.review')) return notify(ui, 'task.review: not available yet in this build of flotilla', 'error');
      notify(ui, `reviewing ${taskId}…`);
      void runCommand(fleet, ui, 'task.review', { id: taskId }, `review of ${taskId} done (Reviews panel)`);
      return;
    case 'task.diff':
      void runCommand(fleet, ui, 'task.diff', { id: taskId }).then((result) => {
        const text = typeof result === 'string' ? result : (result as { text?: unknown } | undefined)?.text;
        if (typeof text === 'string') {
          ui.setState({ overlay: { kind: 'text', title: `diff ${taskId}`, text: text || '(no difference)', scroll: 0 } });
        }
      });
      return;
    case 'task.prompt':
      void runCommand(fleet, ui, 'task.prompt', { id: taskId }).then((result) => {
        if (result && typeof result === 'object' && Array.isArray((result as PromptPreview).parts)) {
          ui.setState({ overlay: { kind: 'text', title: `prompt of ${taskId}'s next attempt`, text: formatPromptPreview(result as PromptPreview), scroll: 0 } });
        }
      });
      return;
    case 'review.next':
    case 'review.prev':
    case 'review.useful':
    case 'review.noise':
    case 'review.dismiss':
    case 'review.folded':
      reviewAction(id, ctx);
      return;
    case 'app.memory': {
      const file = fleet.paths?.memoryFile;
      if (!file) return notify(ui, 'memory: no repository paths in this build', 'error');
      ctx.onRequest({ kind: 'memory', file });
      return;
    }
    case 'view.next-panel': {
      const i = PANELS.indexOf(ui.getState().panel);
      ui.setState({ panel: PANELS[(i + 1) % PANELS.length]! });
      return;
    }
    case 'app.help':
      ui.setState({ overlay: ui.getState().overlay.kind === 'help' ? { kind: 'none' } : { kind: 'help', scroll: 0 } });
      return;
    case 'app.quit': {
      const running = fleet.store.getState().tasks.filter((t) => liveSession(t)).length;
      if (fleet.sessions?.runtime === 'pty' && running > 0) {
        ui.setState({ overlay: { kind: 'confirm-quit', running } });
        return;
      }
      ctx.onRequest({ kind: 'quit' });
      return;
    }
  }
}

/** What `task.prompt` returns (ComposedPrompt in src/engine/prompt/compose.ts), read defensively. */
export interface PromptPreview {
  prompt: string;
  extraContext: string | null;
  parts: Array<{ kind: string; title: string; text: string }>;
  learnings: Array<{ taskId: string; sentence: string; tags?: string[] }>;
}

/** The prompt preview as text: each part under a rule, then which learnings were added. */
export function formatPromptPreview(p: PromptPreview): string {
  const out: string[] = [];
  for (const part of p.parts) {
    const head = `── ${part.title} (${part.kind}) `;
    out.push(head + '─'.repeat(Math.max(3, 64 - [...head].length)), ...part.text.split('\n'), '');
  }
  if (p.learnings.length) {
    out.push(`${p.learnings.length} learning(s) added:`);
    for (const l of p.learnings) out.push(`  from ${l.taskId}: ${l.sentence}`);
  } else {
    out.push('no learnings matched this task');
  }
  if (p.parts.some((part) => part.kind === 'enrichment')) {
    out.push(p.extraContext ? 'the enrichment goes to the agent as extra system context' : 'the enrichment is appended to the prompt (pending retry)');
  }
  return out.join('\n');
}

/** Finding cursor and calibration keys; they act in the Reviews panel (shown first when hidden). */
function reviewAction(id: CommandId, ctx: ActionContext): void {
  const { fleet, ui, task } = ctx;
  const state = ui.getState();
  if (id === 'review.folded') {
    ui.setState({ showFolded: !state.showFolded, panel: 'reviews', findingCursor: 0 });
    notify(ui, state.showFolded ? 'folded findings hidden' : 'folded findings shown');
    return;
  }
  if (state.panel !== 'reviews') {
    ui.setState({ panel: 'reviews' });
    notify(ui, 'Reviews panel: [ and ] focus a finding, then u useful, o noise, D dismiss');
    return;
  }
  const findings = listedFindings(task, state.showFolded);
  if (findings.length === 0) return notify(ui, `no findings to act on for ${task?.id ?? '?'} (v reviews)`, 'error');
  const cursor = Math.min(Math.max(0, state.findingCursor), findings.length - 1);
  if (id === 'review.next' || id === 'review.prev') {
    const next = id === 'review.next' ? Math.min(findings.length - 1, cursor + 1) : Math.max(0, cursor - 1);
    ui.setState({ findingCursor: next });
    return;
  }
  const finding = findings[cursor]!;
  const taskId = task!.id;
  if (id === 'review.dismiss') {
    const undo = Boolean(finding.dismissed);
    void runCommand(
      fleet,
      ui,
      'review.dismiss',
      undo ? { id: taskId, finding: finding.id, undo: true } : { id: taskId, finding: finding.id },
      `${undo ? 'undismissed' : 'dismissed'} finding ${finding.id} of ${taskId}`,
    );
    return;
  }
  const mark = id === 'review.useful' ? 'useful' : 'noise';
  void runCommand(fleet, ui, 'review.mark', { id: taskId, finding: finding.id, mark }, `marked finding ${finding.id} of ${taskId} ${mark}`);
}

/** Dispatches task.add from the form; keeps the draft (with the error) when it fails. */
export async function submitDraft(fleet: UiFleet, ui: UiStore, draft: NewTaskDraft): Promise<void> {
  if (!draft.title.trim()) return void ui.setState({ draft: { ...draft, error: 'a title is needed' } });
  if (!draft.prompt.trim()) return void ui.setState({ draft: { ...draft, error: 'a prompt is needed (Ctrl-E opens $EDITOR)' } });
  const tags = draft.tags.split(',').map((t) => t.trim()).filter(Boolean);
  try {
    const task = (await fleet.dispatch({
      type: 'task.add',
      input: { title: draft.title.trim(), prompt: draft.prompt, agent: draft.agent || undefined, base: draft.base.trim() || undefined, tags },
    })) as Task;
    ui.setState({ overlay: { kind: 'none' }, draft: emptyDraft(draft.agent, draft.base), selectedId: task.id });
    notify(ui, `added ${task.id} (s starts it)`);
  } catch (err) {
    ui.setState({ draft: { ...draft, error: (err as Error).message.split('\n')[0] ?? 'failed' } });
  }
}

export function visibleTasks(tasks: readonly Task[], filter: string): Task[] {
  return filterTasks(tasks, filter);
}
