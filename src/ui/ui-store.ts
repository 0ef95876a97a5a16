import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ResourcesSnapshot } from '../engine/index.js';

/**
 * State of the fleet view itself (selection, panel, overlays, drafts, the last notice). It lives
 * outside React so the view comes back intact after Ink is unmounted for attach or $EDITOR.
 */

export const PANELS = ['gates', 'queue', 'reviews', 'cost'] as const;
export type PanelId = (typeof PANELS)[number];

export interface NewTaskDraft {
  title: string;
  prompt: string;
  agent: string;
  base: string;
  tags: string;
  field: number;
  error: string | null;
}

export type Overlay =
  | { kind: 'none' }
  | { kind: 'help'; scroll: number }
  | { kind: 'new-task' }
  /** Stop these tasks' agents (one, or the marked ones). */
  | { kind: 'confirm-stop'; taskIds: string[] }
  | { kind: 'confirm-quit'; running: number }
  | { kind: 'confirm-merge'; ids: string[] }
  /** Retry these tasks with an optional note; force: some are past their cap (escalated), as --force. */
  | { kind: 'retry-note'; taskIds: string[]; note: string; force: boolean }
  /**
   * Looking back in a task's output: `top` is the buffer line the pane starts at; `search` is the
   * query being typed (null when not typing), `query` the last one searched.
   */
  | { kind: 'scrollback'; taskId: string; top: number; search: string | null; query: string }
  /** One line typed to the agent of a task (Enter sends it, as `flotilla send`). */
  | { kind: 'reply'; taskId: string; text: string }
  | { kind: 'text'; title: string; text: string; scroll: number; wrap?: boolean };

export interface Notice {
  text: string;
  tone: 'info' | 'error';
  at: number;
}

export interface UiState {
  selectedId: string | null;
  panel: PanelId;
  filter: string;
  /** The filter is being typed: keys go to it and the list narrows as you type (Enter keeps, Esc clears). */
  filterEditing: boolean;
  /** Tasks marked with space; s, x and r act on all of them while any is marked. */
  marked: string[];
  overlay: Overlay;
  notice: Notice | null;
  draft: NewTaskDraft;
  /** Latest admission snapshot (polled only while the Queue panel shows). */
  resources: ResourcesSnapshot | null;
  resourcesError: string | null;
  /** Focused finding in the Reviews panel (index into the listed findings). */
  findingCursor: number;
  /** Reviews panel lists folded findings too. */
  showFolded: boolean;
  /** The clock the list's "time in state" is measured against (ticked by run-app). */
  now: number;
}

export type UiStore = StoreApi<UiState>;

export function emptyDraft(agent: string, base: string): NewTaskDraft {
  return { title: '', prompt: '', agent, base, tags: '', field: 0, error: null };
}

export function createUiStore(initial: Partial<UiState> = {}): UiStore {
  return createStore<UiState>()(() => ({
    selectedId: null,
    panel: 'gates',
    filter: '',
    filterEditing: false,
    marked: [],
    overlay: { kind: 'none' },
    notice: null,
    draft: emptyDraft('', ''),
    resources: null,
    resourcesError: null,
    findingCursor: 0,
    showFolded: false,
    now: Date.now(),
    ...initial,
  }));
}

export function notify(store: UiStore, text: string, tone: Notice['tone'] = 'info'): void {
  store.setState({ notice: { text, tone, at: Date.now() } });
}
