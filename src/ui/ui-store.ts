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
  | { kind: 'confirm-stop'; taskId: string }
  | { kind: 'confirm-quit'; running: number }
  | { kind: 'retry-note'; taskId: string; note: string }
  | { kind: 'filter'; text: string }
  | { kind: 'text'; title: string; text: string; scroll: number };

export interface Notice {
  text: string;
  tone: 'info' | 'error';
  at: number;
}

export interface UiState {
  selectedId: string | null;
  panel: PanelId;
  filter: string;
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
