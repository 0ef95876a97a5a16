import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

// The engine's module boundaries (ARCHITECTURE.md "Layers"): each folder's index.ts is its only
// door, core/ imports no other folder, fleet/ (the composition root) is imported by nobody inside
// the engine, and folders form no cycle (type-only imports count too).

const SRC = resolve(import.meta.dirname, '..');
const ENGINE = join(SRC, 'engine');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return /\.(ts|tsx)$/.test(e.name) ? [p] : [];
  });
}

const SPECIFIER = /(?:^|\n)\s*(?:import|export)\s[^'";]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\s*\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

/** Relative import specifiers of a file's text (static, re-exports, dynamic). */
export function specifiers(text: string): string[] {
  return [...text.matchAll(SPECIFIER)].map((m) => (m[1] ?? m[2])!);
}

function resolveSource(from: string, spec: string): string | null {
  const base = resolve(dirname(from), spec);
  for (const c of [base.replace(/\.js$/, '.ts'), base.replace(/\.js$/, '.tsx')]) if (existsSync(c)) return c;
  return null;
}

/** The engine folder a file belongs to ('' for a file directly under src/engine), or null outside the engine. */
function folderOf(file: string): string | null {
  if (!file.startsWith(ENGINE + sep)) return null;
  const parts = relative(ENGINE, file).split(sep);
  return parts.length > 1 ? parts[0]! : '';
}

interface Edge {
  from: string;
  to: string;
}

function edges(files: string[]): Edge[] {
  return files.flatMap((from) =>
    specifiers(readFileSync(from, 'utf8')).flatMap((spec) => {
      const to = resolveSource(from, spec);
      return to ? [{ from, to }] : [];
    }),
  );
}

const isTest = (f: string) => /\.test\.tsx?$/.test(f);
const show = (e: Edge) => `${relative(SRC, e.from)} -> ${relative(SRC, e.to)}`;

/**
 * Leaf modules (node imports only) that the standalone scripts agents and tmux run per hook event
 * and per pane may import directly, so those scripts never load the engine.
 */
export const LEAN_LEAVES = [join(ENGINE, 'core', 'no-follow.ts')];

/** Imports that come into an engine folder by another door than its index.ts. */
export function doorViolations(all: Edge[]): string[] {
  return all
    .filter(({ from, to }) => {
      const target = folderOf(to);
      if (target === null || target === '') return false;
      if (LEAN_LEAVES.includes(to) && folderOf(from) !== null) return false;
      const source = folderOf(from);
      if (source === target) return false;
      // Outside the engine (cli, ui, test support, e2e tests): only src/engine/index.ts.
      if (source === null) return to !== join(ENGINE, 'index.ts');
      return to !== join(ENGINE, target, 'index.ts');
    })
    .map(show);
}

/** Cycles between engine folders, each as "a -> b -> a". */
export function folderCycles(all: Edge[]): string[] {
  const graph = new Map<string, Set<string>>();
  for (const { from, to } of all) {
    const a = folderOf(from);
    const b = folderOf(to);
    if (!a || !b || a === b) continue;
    if (!graph.has(a)) graph.set(a, new Set());
    graph.get(a)!.add(b);
  }
  const cycles = new Set<string>();
  const walk = (node: string, path: string[]) => {
    for (const next of graph.get(node) ?? []) {
      const at = path.indexOf(next);
      if (at >= 0) {
        const loop = path.slice(at);
        const start = loop.indexOf([...loop].sort()[0]!);
        cycles.add([...loop.slice(start), ...loop.slice(0, start), loop[start]!].join(' -> '));
      } else walk(next, [...path, next]);
    }
  };
  for (const node of graph.keys()) walk(node, [node]);
  return [...cycles].sort();
}

const engineFiles = sourceFiles(ENGINE);
// The e2e and hostile suites under test/ come in by the same door as the CLI.
const outsideFiles = [...['cli', 'ui', 'test-support'].map((d) => join(SRC, d)), join(SRC, '..', 'test')].flatMap((d) => sourceFiles(d));

describe('engine doors', () => {
  it('every import into another engine folder goes through its index.ts (src/cli, src/ui: src/engine/index.ts)', () => {
    expect(doorViolations(edges([...engineFiles, ...outsideFiles]))).toEqual([]);
  });

  it('a lean leaf loads nothing of the engine but core\'s errors', () => {
    const seen = new Set<string>(LEAN_LEAVES);
    for (const file of seen) for (const e of edges([file])) seen.add(e.to);
    expect([...seen].map((f) => relative(SRC, f)).sort()).toEqual(['engine/core/errors.ts', 'engine/core/no-follow.ts']);
  });

  it('core/ imports no other engine folder, not even a type', () => {
    const core = engineFiles.filter((f) => folderOf(f) === 'core');
    expect(edges(core).filter((e) => folderOf(e.to) !== 'core').map(show)).toEqual([]);
  });

  it('fleet/ (the composition root) is imported by no capability', () => {
    const offenders = edges(engineFiles.filter((f) => !isTest(f)))
      .filter((e) => folderOf(e.to) === 'fleet' && folderOf(e.from) !== 'fleet' && folderOf(e.from) !== '')
      .map(show);
    expect(offenders).toEqual([]);
  });

  it('engine folders form no cycle (tests aside: they may build a whole fleet)', () => {
    expect(folderCycles(edges(engineFiles.filter((f) => !isTest(f))))).toEqual([]);
  });

  it('the checks catch a back door and a cycle', () => {
    const e = (from: string, to: string): Edge => ({ from: join(ENGINE, from), to: join(ENGINE, to) });
    expect(doorViolations([e('monitor/pass.ts', 'review/parse.ts'), e('monitor/pass.ts', 'review/index.ts')])).toEqual([
      'engine/monitor/pass.ts -> engine/review/parse.ts',
    ]);
    expect(doorViolations([{ from: join(SRC, 'cli/x.ts'), to: join(ENGINE, 'tasks/index.ts') }])).toHaveLength(1);
    expect(folderCycles([e('a/x.ts', 'b/index.ts'), e('b/y.ts', 'c/index.ts'), e('c/z.ts', 'a/index.ts')])).toEqual(['a -> b -> c -> a']);
    expect(specifiers(`import type { A } from '../a/x.js';\nexport { b } from './b.js';\nconst c = await import('../c/index.js');`)).toEqual([
      '../a/x.js',
      './b.js',
      '../c/index.js',
    ]);
  });
});
