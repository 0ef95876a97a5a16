import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drawNextFrameNow } from './frame-now.js';
// @ts-expect-error: a build script (plain ESM, no types)
import { RENDER_NOW, inkPatches } from '../../scripts/ink-patches.mjs';

/**
 * The bundle's changes to Ink (scripts/ink-patches.mjs) against Ink itself: Ink's modules are
 * bundled twice, with and without the patches, and must draw the same frames. The build must apply
 * every patch (a newer Ink that moved the patched code fails here, not silently in the bundle).
 */
const root = join(import.meta.dirname, '..', '..');
const ink = join(root, 'node_modules', 'ink', 'build');
const dir = mkdtempSync(join(tmpdir(), 'flotilla-ink-patches-'));

interface InkModules {
  Output: new (o: { width: number; height: number }) => {
    write(x: number, y: number, text: string, o: { transformers: Array<(line: string, index: number) => string> }): void;
    clip(c: { x1?: number; x2?: number; y1?: number; y2?: number }): void;
    unclip(): void;
    get(): { output: string; height: number };
  };
  renderToString(node: unknown, o?: { columns?: number }): string;
  render(node: unknown, o: Record<string, unknown>): { rerender(node: unknown): void; unmount(): void };
  h: (...args: unknown[]) => unknown;
  Box: unknown;
  Text: unknown;
}

/** Ink's optional devtools (DEV=true only, not installed): an empty module here. */
const noDevtools: Plugin = {
  name: 'no-devtools',
  setup(b) {
    b.onResolve({ filter: /^react-devtools-core$/ }, () => ({ path: 'devtools', namespace: 'empty' }));
    b.onLoad({ filter: /.*/, namespace: 'empty' }, () => ({ contents: 'export default {};', loader: 'js' }));
  },
};

async function bundle(name: string, plugins: Plugin[]): Promise<{ mod: InkModules; warnings: string[]; code: string }> {
  const result = await build({
    stdin: {
      contents: [
        `export { default as Output } from ${JSON.stringify(join(ink, 'output.js'))};`,
        `export { render, renderToString, Box, Text } from ${JSON.stringify(join(ink, 'index.js'))};`,
        `export { createElement as h } from 'react';`,
      ].join('\n'),
      resolveDir: root,
      loader: 'js',
    },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    banner: { js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" },
    define: { 'process.env.NODE_ENV': '"production"' },
    plugins: [...plugins, noDevtools],
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]!.text;
  const file = join(dir, `${name}.mjs`);
  writeFileSync(file, code);
  // Ink draws nothing but the last frame under CI (is-in-ci, read when the module loads).
  const ci = [process.env.CI, process.env.CONTINUOUS_INTEGRATION];
  process.env.CI = process.env.CONTINUOUS_INTEGRATION = '0';
  const mod = (await import(pathToFileURL(file).href)) as InkModules;
  [process.env.CI, process.env.CONTINUOUS_INTEGRATION] = ci;
  if (ci[0] === undefined) delete process.env.CI;
  if (ci[1] === undefined) delete process.env.CONTINUOUS_INTEGRATION;
  return { mod, warnings: result.warnings.map((w) => w.text), code };
}

let plain: InkModules;
let patched: InkModules;
let patchedCode = '';
let warnings: string[] = [];

beforeAll(async () => {
  plain = (await bundle('plain', [])).mod;
  const p = await bundle('patched', inkPatches as Plugin[]);
  patched = p.mod;
  patchedCode = p.code;
  warnings = p.warnings;
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const red = (s: string) => `\x1b[31m${s}\x1b[39m`;
const inverse = (s: string) => `\x1b[7m${s}\x1b[27m`;

/** One frame's operations: borders, coloured and wide text, overlapping writes, clips, a transformer. */
function frame(Output: InkModules['Output'], selected: number, width = 40, height = 12) {
  const o = new Output({ width, height });
  o.write(0, 0, `╭${'─'.repeat(width - 2)}╮`, { transformers: [] });
  o.write(0, 1, Array.from({ length: height - 2 }, () => '│').join('\n'), { transformers: [] });
  o.clip({ x1: 1, x2: width - 1, y1: 1, y2: height - 1 });
  for (let i = 0; i < 8; i++) {
    const row = ` t${i} ${red('working')} 漢字 🚀 cost $0.${i}0`;
    o.write(1, 1 + i, i === selected ? inverse(row) : row, { transformers: [] });
  }
  // Wider than the clip: sliced; partly above the clip: cut.
  o.write(20, 3, 'a line far too long to fit in the box at all', { transformers: [(line, i) => `${line}${i}`] });
  o.write(1, 0, 'above\ninside', { transformers: [] });
  o.unclip();
  o.write(5, 10, 'over the border', { transformers: [(line) => line.toUpperCase()] });
  o.write(width - 3, 11, 'past the right edge', { transformers: [] });
  return o.get();
}

describe('Ink patched in the bundle', () => {
  it('applies every patch to this Ink (no "changed" warning)', () => {
    expect(warnings).toEqual([]);
    for (const mark of ['flotillaBuildRow', 'flotillaWidestLine', `Symbol.for("${RENDER_NOW}")`]) expect(patchedCode.includes(mark), mark).toBe(true);
  });

  it('draws the same frames as Ink, frame after frame, as rows change and come back', () => {
    for (const selected of [0, 1, 2, 1, 0, 7, 7, 3]) {
      expect(frame(patched.Output, selected)).toEqual(frame(plain.Output, selected));
    }
    // Another width: the remembered rows are not reused across sizes.
    expect(frame(patched.Output, 2, 50, 14)).toEqual(frame(plain.Output, 2, 50, 14));
    expect(frame(patched.Output, 2)).not.toEqual(frame(patched.Output, 3));
  });

  it('draws a frame asked for by a key at once; other frames wait for the frame tick', async () => {
    let written = '';
    const stdout = Object.assign(new Writable({ write: (chunk, _enc, done) => ((written += String(chunk)), done()) }), { columns: 80, rows: 24 });
    const stdin = Object.assign(new PassThrough(), { isTTY: false });
    const view = patched.render(patched.h(patched.Text, null, 'frame-one'), { stdout, stdin, maxFps: 1, patchConsole: false, exitOnCtrlC: false });
    try {
      expect(written).toContain('frame-one');
      view.rerender(patched.h(patched.Text, null, 'frame-two'));
      await new Promise((r) => setImmediate(r));
      expect(written).not.toContain('frame-two'); // within the 1 s window: waits for its end
      drawNextFrameNow();
      view.rerender(patched.h(patched.Text, null, 'frame-three'));
      expect(written).toContain('frame-three');
    } finally {
      view.unmount();
    }
  });

  it('renders a tree (wrapped and truncated text, borders) as Ink does', () => {
    const tree = (m: InkModules, n: number) =>
      m.h(
        m.Box,
        { flexDirection: 'column', borderStyle: 'round', width: 30 },
        m.h(m.Text, { wrap: 'wrap' }, `a long line that wraps over the box's width ${n}`),
        m.h(m.Text, { wrap: 'truncate' }, `${red('truncated')} at the end of a row that is long ${n}`),
        m.h(m.Text, null, `漢字 wide ${n}`),
      );
    for (const n of [1, 2, 1]) expect(patched.renderToString(tree(patched, n), { columns: 60 })).toEqual(plain.renderToString(tree(plain, n), { columns: 60 }));
  });
});
