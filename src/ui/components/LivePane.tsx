import { Box, Text } from 'ink';
import { safeLine } from '../../engine/index.js';
import { memo, useContext, useEffect, useRef, useState } from 'react';
import type { ScreenSnapshot, SessionManager } from '../../engine/index.js';
import { PanePainterContext } from '../pane-painter.js';
import { useRenderProbe } from '../render-probe.js';
import { withCursor } from '../screen-text.js';

export interface LivePaneProps {
  sessions: SessionManager | undefined;
  taskId: string | null;
  /** Why there is nothing to show, when there is no live session. */
  emptyText: string;
  /** The line above the screen (which task, its state, how to attach). */
  title?: string;
  width: number;
  height: number;
  /** The agent's screen size inside the border. */
  cols: number;
  rows: number;
  /** Minimum time between two re-renders (default 50 ms: at most 20 per second). */
  throttleMs?: number;
  /** See SCREEN_REST_MS (its default). */
  restMs?: number;
  /**
   * With no live session: the task whose last screen (rebuilt from its output log) to show instead
   * of emptyText, and a key that changes when that screen may have (attempt, session state).
   */
  replay?: { taskId: string; key: string } | null;
  /** Looking back: the scrollback line the pane starts at (null: the live screen), and its key hint. */
  scrollTop?: number | null;
  scrollHint?: string;
  /**
   * Where the pane's box is on the screen (0-based column and row of its top-left corner). With
   * it and a PanePainter in context, the agent's screen is painted there directly instead of
   * rendered by Ink.
   */
  at?: { x: number; y: number } | null;
}

/**
 * How long the selection must rest on a task, after moving there within this time of the move
 * before, for its screen to be followed (a held j passes rows without starting a client for each).
 */
export const SCREEN_REST_MS = 100;

/**
 * The live screen of the selected agent. Subscribes to that one session only (unsubscribing when
 * the selection changes), re-renders at most every throttleMs, and resizes the session with the pane.
 * Memoised on its props, so a key that changes nothing here (a panel, the list's clock) leaves the
 * screen alone.
 */
export const LivePane = memo(LivePaneView, (a, b) =>
  a.sessions === b.sessions &&
  a.taskId === b.taskId &&
  a.emptyText === b.emptyText &&
  a.title === b.title &&
  a.width === b.width &&
  a.height === b.height &&
  a.cols === b.cols &&
  a.rows === b.rows &&
  a.throttleMs === b.throttleMs &&
  a.restMs === b.restMs &&
  (a.replay?.taskId ?? null) === (b.replay?.taskId ?? null) &&
  (a.replay?.key ?? null) === (b.replay?.key ?? null) &&
  (a.scrollTop ?? null) === (b.scrollTop ?? null) &&
  a.scrollHint === b.scrollHint &&
  (a.at?.x ?? null) === (b.at?.x ?? null) &&
  (a.at?.y ?? null) === (b.at?.y ?? null),
);

function LivePaneView({ sessions, taskId, emptyText, title, width, height, cols, rows, throttleMs = 50, restMs = SCREEN_REST_MS, replay = null, scrollTop = null, scrollHint = '', at = null }: LivePaneProps) {
  useRenderProbe('LivePane');
  const contextPainter = useContext(PanePainterContext);
  // With a painter (the real terminal) the screen is written outside Ink: an update costs no render.
  const painter = contextPainter && at ? contextPainter : null;
  const scrollRef = useRef<number | null>(scrollTop);
  scrollRef.current = scrollTop;
  const live = useRef<ScreenSnapshot | null>(null);
  /** The selection is moving: its screen is followed once it rests (blank until then). */
  const resting = useRef(false);
  const left = useRef<ScreenSnapshot | null>(null);
  const replayId = taskId ? null : (replay?.taskId ?? null);
  const replayKey = replay?.key ?? '';
  const rowsRef = useRef(rows);
  rowsRef.current = rows;
  const replayRef = useRef(replayId);
  replayRef.current = replayId;
  // What the rest of the pane (title, border, blank or empty text) depends on: a render only when it changes.
  const [head, setHead] = useState('');
  const [, setVersion] = useState(0);
  const headRef = useRef(head);

  /** Shows what there is now: painted in place, or (no painter) through a render. */
  const publish = useRef(() => undefined as void);
  publish.current = () => {
    const shown = live.current ?? (replayRef.current ? left.current : null);
    const next = headKey(live.current, shown, scrollRef.current !== null, resting.current);
    if (painter) {
      // Resting: the region blank (the rows erased), not the screen of the row left.
      painter.paint(shown ? screenLines(shown, rowsRef.current) : resting.current ? [] : null);
      if (next !== headRef.current) {
        headRef.current = next;
        setHead(next);
      }
    } else {
      headRef.current = next;
      setVersion((v) => v + 1);
    }
  };

  // The painter paints into the region while this pane is on screen, and nowhere once it is not.
  const top = at ? at.y + (title ? 2 : 1) : 0;
  const leftCol = at ? at.x + 1 : 0;
  useEffect(() => {
    if (!painter) return;
    painter.setRegion({ top, left: leftCol, cols, rows });
    publish.current();
  }, [painter, top, leftCol, cols, rows]);
  useEffect(() => (painter ? () => painter.setRegion(null) : undefined), [painter]);

  // A session that is gone: its last screen, read once per attempt/state and pane size.
  useEffect(() => {
    left.current = null;
    publish.current();
    if (!sessions || !replayId) return;
    let current = true;
    sessions
      .lastScreen(replayId, { cols, rows })
      .then((s) => {
        if (!current) return;
        left.current = s ? { ...s, cursor: { ...s.cursor, visible: false } } : null;
        publish.current();
      })
      .catch(() => undefined);
    return () => {
      current = false;
    };
  }, [sessions, replayId, replayKey, cols, rows]);
  const size = useRef({ cols, rows });
  size.current = { cols, rows };

  // The selection's moves: the first one subscribes at once; one within SCREEN_REST_MS of the
  // previous (a held j, quick taps through the list) waits until the selection rests there.
  const lastMove = useRef<{ taskId: string | null; at: number }>({ taskId, at: 0 });
  useEffect(() => {
    if (!sessions || !taskId) {
      live.current = null;
      publish.current();
      return;
    }
    // The first pull below shows the new session's screen (or none yet) in one step: no blank
    // state in between, which would cost a render of the whole frame on every selection move.
    let timer: NodeJS.Timeout | null = null;
    let rest: NodeJS.Timeout | null = null;
    let unsubscribe: (() => void) | null = null;
    let last = 0;
    let closed = false;
    const pull = () => {
      timer = null;
      if (closed) return;
      last = Date.now();
      live.current = scrollRef.current === null ? sessions.screen(taskId) : sessions.screen(taskId, { top: scrollRef.current });
      publish.current();
    };
    const onChange = () => {
      if (timer || closed) return;
      const wait = Math.max(0, last + throttleMs - Date.now());
      timer = setTimeout(pull, wait);
    };
    const follow = () => {
      rest = null;
      if (closed) return;
      resting.current = false;
      unsubscribe = sessions.subscribeScreen(taskId, size.current, onChange);
      pull();
    };
    const now = Date.now();
    const moved = lastMove.current.taskId !== taskId;
    const moving = moved && now - lastMove.current.at < restMs;
    if (moved) lastMove.current = { taskId, at: now };
    if (moving) {
      // Following a screen (a tmux client and a headless terminal) was most of what a key cost:
      // rows passed on the way are not followed. The pane stays blank meanwhile, not another's.
      resting.current = true;
      live.current = null;
      publish.current();
      rest = setTimeout(follow, restMs);
    } else follow();
    return () => {
      closed = true;
      resting.current = false;
      if (timer) clearTimeout(timer);
      if (rest) clearTimeout(rest);
      unsubscribe?.();
    };
    // restMs is read when the selection moves; a change alone follows nothing anew.
  }, [sessions, taskId, throttleMs]);

  // Scrolling redraws at once from the screen's own buffer (no new subscription).
  useEffect(() => {
    if (!sessions || !taskId) return;
    live.current = scrollTop === null ? sessions.screen(taskId) : sessions.screen(taskId, { top: scrollTop });
    publish.current();
  }, [sessions, taskId, scrollTop]);

  // The pane's size changed: the followed session is told. A new selection is not (its screen is
  // followed at the pane's size): that cost a tmux command per key, an ssh exec for a remote agent.
  const lastSize = useRef({ cols, rows });
  useEffect(() => {
    if (lastSize.current.cols === cols && lastSize.current.rows === rows) return;
    lastSize.current = { cols, rows };
    if (sessions && taskId) sessions.resize(taskId, cols, rows);
  }, [sessions, taskId, cols, rows]);

  const screen = live.current;
  const shown = screen ?? (replayId ? left.current : null);
  // Waiting for the selection to rest: drawn as a live pane, blank.
  const waiting = !shown && resting.current;
  const lines = shown ? screenLines(shown, rows) : waiting ? [] : null;
  const back = screen && scrollTop !== null && screen.top !== undefined && screen.scrollback !== undefined;
  const heading = back
    ? `${title ?? ''} · scrollback ${screen.top! + 1}-${screen.top! + screen.rows} of ${screen.scrollback! + screen.rows}${scrollHint ? ` · ${scrollHint}` : ''}`
    : title && !screen && !waiting && lines ? `${title} · its last screen` : title;
  return (
    <Box
      flexDirection="column"
      width={width}
      height={height}
      borderStyle="round"
      borderColor={back ? 'yellow' : screen || waiting ? 'cyan' : 'gray'}
      overflow="hidden"
    >
      {heading ? (
        <Text bold wrap="truncate" color={back ? 'yellow' : screen || waiting ? 'cyan' : 'gray'}>
          {safeLine(heading)}
        </Text>
      ) : null}
      {lines && painter ? (
        // Kept blank by Ink (the same every frame, so never rewritten); the painter draws the screen here.
        <Box height={rows} />
      ) : lines ? (
        lines.map((line, i) => (
          <Text key={i} wrap="truncate">
            {line}
          </Text>
        ))
      ) : (
        <Text dimColor wrap="truncate">
          {safeLine(emptyText)}
        </Text>
      )}
    </Box>
  );
}

/** What the pane's title and border depend on besides props: live or left screen, and while looking back, where. */
function headKey(screen: ScreenSnapshot | null, shown: ScreenSnapshot | null, back: boolean, resting: boolean): string {
  if (!shown) return resting ? 'live' : 'none';
  if (!screen) return 'left';
  return back ? `back ${screen.top} ${screen.scrollback} ${screen.rows}` : 'live';
}

/** The rows to draw, with the cursor cell inverse when visible. */
export function screenLines(screen: ScreenSnapshot, rows: number): string[] {
  const lines = screen.lines.slice(0, rows);
  const { x, y, visible } = screen.cursor;
  if (visible && y >= 0 && y < lines.length) lines[y] = withCursor(lines[y] ?? '', x);
  return lines.map((l) => `${l}\x1b[0m`);
}
