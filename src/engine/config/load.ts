import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { ConfigError } from '../core/index.js';
import { writeFileAtomic } from '../fs/index.js';
import { configSchema, type FlotillaConfig } from '../core/index.js';

function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestScore) {
      bestScore = d;
      best = c;
    }
  }
  return bestScore <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

/** Known keys of the object schema at `path`, for "did you mean" hints. */
function knownKeysAt(path: readonly PropertyKey[]): string[] {
  let schema: unknown = configSchema;
  for (const part of path) {
    schema = unwrap(schema);
    const shape = (schema as { shape?: Record<string, unknown> }).shape;
    if (shape && typeof part === 'string' && part in shape) schema = shape[part];
    else {
      const def = (schema as { def?: { element?: unknown; valueType?: unknown } }).def;
      schema = def?.element ?? def?.valueType;
    }
    if (!schema) return [];
  }
  const shape = (unwrap(schema) as { shape?: Record<string, unknown> }).shape;
  return shape ? Object.keys(shape) : [];
}

function unwrap(schema: unknown): unknown {
  let s = schema as { def?: { innerType?: unknown; type?: string } } | undefined;
  while (s?.def?.innerType) s = s.def.innerType as typeof s;
  return s;
}

/**
 * For a value no branch of a union accepted (a gate is a name or an object), the issue of the
 * branch that came closest: fewest issues, then the deepest path (so a bad `timeoutSec` of a custom
 * gate is named, not "Invalid input").
 */
function closestBranchIssue(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code !== 'invalid_union' || !issue.errors?.length) return issue;
  const best = [...issue.errors]
    .filter((branch) => branch.length > 0)
    .sort((a, b) => a.length - b.length || Math.max(...b.map((i) => i.path.length)) - Math.max(...a.map((i) => i.path.length)))[0];
  if (!best) return issue;
  const inner = [...best].sort((a, b) => b.path.length - a.path.length)[0]!;
  return closestBranchIssue({ ...inner, path: [...issue.path, ...inner.path] } as z.core.$ZodIssue);
}

function describeIssue(file: string, unionIssue: z.core.$ZodIssue): ConfigError {
  const issue = closestBranchIssue(unionIssue);
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    const fullKey = [...path, key].join('.');
    const hint = closest(key, knownKeysAt(issue.path));
    return new ConfigError(file, fullKey, `unknown key${hint ? ` (did you mean "${[...path, hint].join('.')}"?)` : ''}`);
  }
  return new ConfigError(file, path.join('.') || '(top level)', issue.message);
}

/** Validates a parsed config object; throws a ConfigError naming the first bad key. */
export function parseConfig(file: string, raw: unknown): FlotillaConfig {
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw describeIssue(file, issue);
  }
  return result.data;
}

/** Reads `.flotilla/config.json`; a missing file means all defaults. */
export async function loadConfig(file: string): Promise<FlotillaConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return parseConfig(file, {});
    throw new ConfigError(file, '', `cannot read: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(file, '', `not valid JSON (${(err as Error).message}); fix the file or delete it to use the defaults`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(file, '', 'must hold a JSON object');
  }
  return parseConfig(file, raw);
}

export function defaultConfig(): FlotillaConfig {
  return configSchema.parse({});
}

/** Writes a config file (validated first), atomically, mode 0600. */
export async function writeConfig(file: string, config: unknown): Promise<void> {
  parseConfig(file, config);
  await writeFileAtomic(file, `${JSON.stringify(config, null, 2)}\n`);
}
