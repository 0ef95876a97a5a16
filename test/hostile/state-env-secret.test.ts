import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HAVE_TMUX, waitFor } from '../../src/test-support/tmux-repo.js';
import { findExecutable } from '../../src/engine/index.js';
import { hostileRepo, runFlotilla, type TempRepo } from './helpers.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

describe('profile env values and the tmux command line', () => {
  it.runIf(HAVE_TMUX)('reach the agent through a 0600 file, never on any tmux command line (was: -e KEY=VALUE, visible in ps)', async () => {
    const secret = 'sk-hostile-0123456789';
    repo = hostileRepo({
      runtime: 'tmux',
      profiles: { d: { command: ['sh', '-c', 'printf "%s" "$SECRET_TOKEN" > got.txt; sleep 300'], env: { SECRET_TOKEN: secret } } },
      defaultAgent: 'd',
    });
    // Every tmux command line flotilla runs is logged by a wrapper first on PATH.
    const bin = join(repo.dir, 'bin');
    const log = join(repo.dir, 'tmux-argv.log');
    mkdirSync(bin);
    writeFileSync(join(bin, 'tmux'), `#!/bin/sh\nprintf '%s\\n' "$*" >> ${log}\nexec ${findExecutable('tmux', { cwd: repo.root })} "$@"\n`);
    chmodSync(join(bin, 'tmux'), 0o755);
    const env = { PATH: `${bin}:${process.env.PATH}`, FLOTILLA_TMUX_SOCKET: `flt-env-${process.pid}` };
    try {
      expect((await runFlotilla(repo.root, ['add', 'x', '--prompt', 'x', '--id', 'env1'], { env })).code).toBe(0);
      expect((await runFlotilla(repo.root, ['start', 'env1'], { env })).code).toBe(0);
      const got = join(repo.worktreeRoot, 'env1-a1', 'got.txt');
      await waitFor('the agent to write what it got', async () => existsSync(got) && readFileSync(got, 'utf8').length > 0, 15_000);
      expect(readFileSync(got, 'utf8')).toBe(secret);
      const lines = readFileSync(log, 'utf8');
      expect(lines).toContain('respawn-pane');
      expect(lines).not.toContain(secret);
      expect(existsSync(join(repo.root, '.flotilla', 'prompts', 'env1', '1.argv.env'))).toBe(false); // removed on use
      expect((await runFlotilla(repo.root, ['stop', 'env1'], { env })).code).toBe(0);
    } finally {
      spawnSync('tmux', ['-L', env.FLOTILLA_TMUX_SOCKET, 'kill-server']);
    }
  });
});
