import { readFile } from 'node:fs/promises';
import si from 'systeminformation/lib/memory.js';
import type { MemoryReading } from './decide.js';

/** Reads live memory. Injected into the queue so tests can drive admission with fixed readings. */
export type MemoryReader = () => Promise<MemoryReading>;

const MB = 1024 * 1024;

export interface SystemMemoryReaderOptions {
  /** Swap-in counts as settled after this long with no pages swapped in. Default 5 s. */
  settleMs?: number;
  /** Pages swapped in per second above which the machine counts as swapping. Default 16 (64 KiB/s). */
  minPagesPerSec?: number;
  /** Where the kernel's paging counters are (Linux). */
  vmstatPath?: string;
  /**
   * On the first read, when swap is in use, read the counter twice this far apart so that a
   * one-shot reader (`flotilla status`) can see swap-in too. Default 200 ms; 0 turns it off.
   */
  firstWindowMs?: number;
  now?: () => number;
}

/** `pswpin` (pages swapped in since boot) from /proc/vmstat; null where there is none. */
export async function readSwapInPages(path = '/proc/vmstat'): Promise<number | null> {
  try {
    const text = await readFile(path, 'utf8');
    const m = /^pswpin (\d+)$/m.exec(text);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/**
 * The real reader: systeminformation `mem()` for total/available/swap, and on Linux the delta of
 * `pswpin` between two reads to detect swap-in activity. Once pages are being swapped in, the
 * reading says `swapping` until none were swapped in for `settleMs`. Elsewhere `swapping` is false.
 */
export function createSystemMemoryReader(options: SystemMemoryReaderOptions = {}): MemoryReader {
  const settleMs = options.settleMs ?? 5000;
  const minRate = options.minPagesPerSec ?? 16;
  const now = options.now ?? Date.now;
  let last: { pages: number; at: number } | null = null;
  let lastSwapInAt = -Infinity;

  return async () => {
    const [m, firstPages] = await Promise.all([si.mem(), readSwapInPages(options.vmstatPath)]);
    let pages = firstPages;
    let t = now();
    const window = options.firstWindowMs ?? 200;
    if (last === null && pages !== null && m.swapused > 0 && window > 0) {
      last = { pages, at: t };
      await new Promise((r) => setTimeout(r, window));
      pages = await readSwapInPages(options.vmstatPath);
      t = now();
    }
    if (pages !== null) {
      if (last && t > last.at) {
        const rate = ((pages - last.pages) * 1000) / (t - last.at);
        if (rate > minRate) lastSwapInAt = t;
      }
      last = { pages, at: t };
    }
    return {
      totalMB: m.total / MB,
      availableMB: m.available / MB,
      swapTotalMB: m.swaptotal / MB,
      swapUsedMB: m.swapused / MB,
      swapping: t - lastSwapInAt < settleMs,
    };
  };
}

/** A reader that returns the same reading for `maxAgeMs`, so many waiters share one probe. */
export function cachedReader(reader: MemoryReader, maxAgeMs = 200, now: () => number = Date.now): MemoryReader {
  let cached: { at: number; value: Promise<MemoryReading> } | null = null;
  return () => {
    const t = now();
    if (!cached || t - cached.at > maxAgeMs) {
      const value = reader();
      cached = { at: t, value };
      value.catch(() => {
        if (cached?.value === value) cached = null;
      });
    }
    return cached.value;
  };
}
