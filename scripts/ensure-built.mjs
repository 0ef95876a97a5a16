// Builds dist/ when any source file is newer than the last build (used by `npm test`).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const stamp = join(root, 'dist', 'bundle', 'main.js');

function newest(dir) {
  let max = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) max = Math.max(max, newest(p));
    else max = Math.max(max, statSync(p).mtimeMs);
  }
  return max;
}

const built = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
const inputs = [join(root, 'tsconfig.json'), join(root, 'package-lock.json'), join(root, 'scripts', 'build.mjs')];
const sources = Math.max(newest(join(root, 'src')), ...inputs.map((f) => statSync(f).mtimeMs));
// The bundle is written afresh on every build, so its mtime is the build's time.
if (sources > built) execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
