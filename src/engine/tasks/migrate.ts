/**
 * Registry versions and the upgrade of older files. Each step takes the raw JSON of one version
 * and returns the next; `parseRegistry` runs them before the schema check, and the registry writes
 * the result back (atomically, after keeping a copy of the old file).
 *
 * - 1 -> 2: every persisted field is declared (tasks/schema.ts); a task says what kind it is
 *   (`kind`: "worker" unless it is the orchestrator).
 */

import { REGISTRY_VERSION } from '../core/index.js';

type Raw = Record<string, unknown>;

const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

const STEPS: Record<number, (raw: Raw) => Raw> = {
  1: (raw) => ({
    ...raw,
    version: 2,
    tasks: Array.isArray(raw.tasks) ? raw.tasks.map((t) => (isObject(t) && t.kind === undefined ? { ...t, kind: 'worker' } : t)) : raw.tasks,
  }),
};

export type VersionCheck =
  | { ok: true; raw: unknown; from: number | null }
  | { ok: false; problem: string };

/**
 * Brings raw registry JSON to REGISTRY_VERSION. `from` is the version it was upgraded from (null
 * when it was current). A file from a newer flotilla, or of no known version, is a problem.
 */
export function upgradeRegistry(raw: unknown): VersionCheck {
  if (!isObject(raw)) return { ok: true, raw, from: null };
  const version = raw.version;
  if (typeof version !== 'number' || !Number.isInteger(version)) return { ok: true, raw, from: null };
  if (version > REGISTRY_VERSION) {
    return { ok: false, problem: `written by a newer flotilla (registry version ${version}; this one reads up to ${REGISTRY_VERSION}): upgrade flotilla; the file was left untouched` };
  }
  if (version === REGISTRY_VERSION) return { ok: true, raw, from: null };
  let current: Raw = raw;
  for (let v = version; v < REGISTRY_VERSION; v++) {
    const step = STEPS[v];
    if (!step) return { ok: false, problem: `registry version ${version} is not one flotilla can read or upgrade; the file was left untouched` };
    current = step(current);
  }
  return { ok: true, raw: current, from: version };
}
