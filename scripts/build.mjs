// Builds dist/: tsc compiles src/ to dist/ (type-checked; the helper scripts agents and tmux run
// as `node dist/...` live there), then esbuild bundles the CLI from that output into dist/bundle/.
// bin/flotilla runs the bundle: one file per lazily loaded command instead of hundreds of small
// modules cuts the fleet view's time to first frame by about half (bench/tui.md).
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { inkPatches } from './ink-patches.mjs';

const root = join(fileURLToPath(import.meta.url), '..', '..');

execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
  cwd: root,
  stdio: 'inherit',
});

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
  // Ink's frame, text widths, incremental writer and key frames, changed in the bundle: scripts/ink-patches.mjs.
  plugins: inkPatches,
  legalComments: 'none',
  logLevel: 'warning',
});
