// Builds dist/: tsc compiles src/ to dist/ (type-checked; the helper scripts agents and tmux run
// as `node dist/...` live there), then esbuild bundles the CLI from that output into dist/bundle/.
// bin/flotilla runs the bundle: one file per lazily loaded command instead of hundreds of small
// modules cuts the fleet view's time to first frame by about half (bench/tui.md).
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(fileURLToPath(import.meta.url), '..', '..');

execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
  cwd: root,
  stdio: 'inherit',
});

/**
 * Ink turns every line of every frame into styled characters (ANSI tokenising, grapheme widths) with
 * caches it makes new for each frame, so a frame that differs from the last in one line costs as
 * much as the first. The fleet view redraws a 200x50 screen whenever the live pane changes; sharing
 * the caches across frames (bounded: started afresh past 50,000 entries) makes unchanged lines
 * nearly free. The cached characters are only read, never changed, by Ink's output code. And a line
 * inside a clipping box that fits it whole is no longer re-sliced (slice-ansi) at every frame.
 */
const sharedInkOutputCaches = {
  name: 'shared-ink-output-caches',
  setup(b) {
    b.onLoad({ filter: /[\\/]ink[\\/]build[\\/]output\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const from = 'caches = new OutputCaches();';
      if (!source.includes(from)) {
        return { contents: source, loader: 'js', warnings: [{ text: 'ink/build/output.js changed: its caches are not shared across frames' }] };
      }
      const shared = `
let sharedCaches = null;
function sharedOutputCaches() {
  if (!sharedCaches || sharedCaches.styledChars.size + sharedCaches.widths.size + sharedCaches.blockWidths.size > 50000) sharedCaches = new OutputCaches();
  return sharedCaches;
}
`;
      // A line that fits its clip whole is kept as it is instead of being sliced again every frame.
      const slice = 'return sliceAnsi(line, from, to);';
      const contents = source.replace(from, 'caches = sharedOutputCaches();').replace(slice, 'return from === 0 && to >= width ? line : sliceAnsi(line, from, to);');
      return { contents: contents + shared, loader: 'js' };
    });
  },
};

/**
 * The view asks Ink to write only the lines that changed (`incrementalRendering`). Ink 6.8's
 * incremental writer moves the cursor up one line too few when the last frame ended with a newline
 * (every frame shorter than the terminal, which the view's always are: it leaves the last row
 * free), so every frame after the first landed one row low. Fixed here: up as many lines as the
 * last frame had, when the cursor sits below it.
 */
const inkIncrementalCursorFix = {
  name: 'ink-incremental-cursor-fix',
  setup(b) {
    b.onLoad({ filter: /[\\/]ink[\\/]build[\\/]log-update\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const from = 'buffer.push(ansiEscapes.cursorUp(previousVisible - 1));';
      if (!source.includes(from)) {
        return { contents: source, loader: 'js', warnings: [{ text: 'ink/build/log-update.js changed: check its incremental cursor movement' }] };
      }
      return { contents: source.replace(from, "buffer.push(ansiEscapes.cursorUp(previousOutput.endsWith('\\n') ? previousVisible : previousVisible - 1));"), loader: 'js' };
    });
  },
};

const outdir = join(root, 'dist', 'bundle');
rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  // first-paint: the fleet view's first frame, loaded by bin/flotilla before main (src/ui/first-paint.ts).
  entryPoints: { main: 'dist/cli/main.js', 'first-paint': 'dist/ui/first-paint.js' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // node-pty loads its native addon by path; react-devtools-core is an optional import of Ink's
  // that only runs with DEV=true and is not installed.
  external: ['node-pty', 'react-devtools-core'],
  // CommonJS dependencies (React, @xterm/headless, systeminformation) call require() for Node's
  // own modules; an ES module has none, so give the bundle one.
  banner: { js: "import { createRequire as __flotillaRequire } from 'node:module'; const require = __flotillaRequire(import.meta.url);" },
  // The bundle is what users run: React's and Ink's development builds (which React's entry files
  // pick at run time from NODE_ENV) are dropped at build time instead of parsed at every start.
  define: { 'process.env.NODE_ENV': '"production"' },
  plugins: [sharedInkOutputCaches, inkIncrementalCursorFix],
  legalComments: 'none',
  logLevel: 'warning',
});
