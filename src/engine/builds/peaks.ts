import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { JOB_KINDS, type FlotillaConfig, type JobKind } from '../core/index.js';
import { RegistryError } from '../core/index.js';
import { withFileLock } from '../fs/index.js';
import { ensurePrivateDir, writeFileAtomic } from '../fs/index.js';

/**
 * Learned peak memory per job key, in `.flotilla/resources.json` (0600). Each run's measured peak
 * RSS of the whole process tree is kept, the last RECENT_RUNS of them; the expected peak is the
 * largest of those. Max-of-recent is deliberately conservative (one heavy run is remembered for
 * five runs) and forgets an outlier once five newer runs were measured.
 */

export const RECENT_RUNS = 5;

const peakSchema = z.looseObject({
  kind: z.enum(JOB_KINDS),
  recentMB: z.array(z.number().nonnegative()),
  runs: z.number().int().nonnegative(),
  updatedAt: z.string(),
});
const fileSchema = z.looseObject({
  version: z.literal(1),
  peaks: z.record(z.string(), peakSchema),
});
export type LearnedPeaks = z.infer<typeof fileSchema>;
export type LearnedPeak = z.infer<typeof peakSchema>;

export function expectedFromPeak(peak: LearnedPeak): number {
  return peak.recentMB.length > 0 ? Math.max(...peak.recentMB) : 0;
}

export class PeakStore {
  constructor(readonly file: string) {}

  async read(): Promise<LearnedPeaks> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, peaks: {} };
      throw err;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw new RegistryError(this.file, 'is not valid JSON (delete it to forget learned peaks)');
    }
    const parsed = fileSchema.safeParse(raw);
    if (!parsed.success) throw new RegistryError(this.file, `unexpected content (delete it to forget learned peaks): ${parsed.error.issues[0]?.message}`);
    return parsed.data;
  }

  /** The expected peak of a job: learned for its key, else the configured default of its kind. */
  async expectedMB(key: string, kind: JobKind, defaults: FlotillaConfig['limits']['defaultPeakMB']): Promise<{ mb: number; learned: boolean }> {
    const data = await this.read().catch(() => null);
    const peak = data?.peaks[key];
    if (peak && peak.recentMB.length > 0) return { mb: Math.ceil(expectedFromPeak(peak)), learned: true };
    return { mb: defaults[kind], learned: false };
  }

  /** Learned expected peaks of every key of `kind`. */
  async peaksOfKind(kind: JobKind): Promise<number[]> {
    const data = await this.read().catch(() => null);
    return Object.values(data?.peaks ?? {})
      .filter((p) => p.kind === kind && p.recentMB.length > 0)
      .map(expectedFromPeak);
  }

  async record(key: string, kind: JobKind, peakMB: number): Promise<void> {
    await ensurePrivateDir(dirname(this.file));
    await withFileLock(`${this.file}.lock`, async () => {
      const data = await this.read().catch((): LearnedPeaks => ({ version: 1, peaks: {} }));
      const old = data.peaks[key];
      const recentMB = [...(old?.recentMB ?? []), Math.round(peakMB)].slice(-RECENT_RUNS);
      data.peaks[key] = { kind, recentMB, runs: (old?.runs ?? 0) + 1, updatedAt: new Date().toISOString() };
      await writeFileAtomic(this.file, `${JSON.stringify(data, null, 2)}\n`);
    });
  }
}
