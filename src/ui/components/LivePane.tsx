import { Box, Text } from 'ink';
import { safeLine } from '../../engine/index.js';
import { memo, useEffect, useRef, useState } from 'react';
import type { ScreenSnapshot, SessionManager } from '../../engine/index.js';
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
  /**
   * With no live session: the task whose last screen (rebuilt from its output log) to show instead
   * of emptyText, and a key that changes when that screen may have (attempt, session state).
   */
  replay?: { taskId: string; key: string } | null;
}

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
  (a.replay?.taskId ?? null) === (b.replay?.taskId ?? null) &&
  (a.replay?.key ?? null) === (b.replay?.key ?? null),
);

function LivePaneView({ sessions, taskId, emptyText, title, width, height, cols, rows, throttleMs = 50, replay = null }: LivePaneProps) {
  useRenderProbe('LivePane');
  const [screen, setScreen] = useState<ScreenSnapshot | null>(null);
  const [left, setLeft] = useState<ScreenSnapshot | null>(null);
  const replayId = taskId ? null : (replay?.taskId ?? null);
  const replayKey = replay?.key ?? '';

  // A session that is gone: its last screen, read once per attempt/state and pane size.
  useEffect(() => {
    setLeft(null);
    if (!sessions || !replayId) return;
    let current = true;
    sessions
      .lastScreen(replayId, { cols, rows })
      .then((s) => {
        if (current) setLeft(s ? { ...s, cursor: { ...s.cursor, visible: false } } : null);
      })
      .catch(() => undefined);
    return () => {
      current = false;
    };
  }, [sessions, replayId, replayKey, cols, rows]);
  const size = useRef({ cols, rows });
  size.current = { cols, rows };

  useEffect(() => {
    setScreen(null);
    if (!sessions || !taskId) return;
    let timer: NodeJS.Timeout | null = null;
    let last = 0;
    let closed = false;
    const pull = () => {
      timer = null;
      if (closed) return;
      last = Date.now();
      setScreen(sessions.screen(taskId));
    };
    const onChange = () => {
      if (timer || closed) return;
      const wait = Math.max(0, last + throttleMs - Date.now());
      timer = setTimeout(pull, wait);
    };
    const unsubscribe = sessions.subscribeScreen(taskId, size.current, onChange);
    pull();
    return () => {
      closed = true;
      if (timer) clearTimeout(timer);
      unsubscribe();
    };
  }, [sessions, taskId, throttleMs]);

  const firstSize = useRef(true);
  useEffect(() => {
    if (firstSize.current) {
      firstSize.current = false;
      return;
    }
    if (sessions && taskId) sessions.resize(taskId, cols, rows);
  }, [sessions, taskId, cols, rows]);

  const shown = screen ?? (replayId ? left : null);
  const lines = shown ? screenLines(shown, rows) : null;
  const heading = title && !screen && lines ? `${title} · its last screen` : title;
  return (
    <Box
      flexDirection="column"
      width={width}
      height={height}
      borderStyle="round"
      borderColor={screen ? 'cyan' : 'gray'}
      overflow="hidden"
    >
      {heading ? (
        <Text bold wrap="truncate" color={screen ? 'cyan' : 'gray'}>
          {safeLine(heading)}
        </Text>
      ) : null}
      {lines ? (
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

/** The rows to draw, with the cursor cell inverse when visible. */
export function screenLines(screen: ScreenSnapshot, rows: number): string[] {
  const lines = screen.lines.slice(0, rows);
  const { x, y, visible } = screen.cursor;
  if (visible && y >= 0 && y < lines.length) lines[y] = withCursor(lines[y] ?? '', x);
  return lines.map((l) => `${l}\x1b[0m`);
}
