import { useStdout } from 'ink';
import { useEffect, useState } from 'react';
import type { TermSize } from './types.js';

/** The terminal size, updated on every resize of the output stream. */
export function useTermSize(fixed?: TermSize): TermSize {
  const { stdout } = useStdout();
  const read = (): TermSize => fixed ?? { columns: stdout.columns || 80, rows: stdout.rows || 24 };
  const [size, setSize] = useState<TermSize>(read);
  useEffect(() => {
    if (fixed) return;
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => void stdout.off('resize', onResize);
  }, [stdout, fixed?.columns, fixed?.rows]);
  return fixed ?? size;
}
