import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { controlDir, controlPath, type SshHost } from '../engine/index.js';
import { startSshd, type TestSshd } from './sshd.js';

/**
 * A real sshd on 127.0.0.1 and the engine's `SshHost` for it (host `box`, env FLOT_HOST=box, its
 * master socket in a temp state folder), for the tests of the ssh layer itself (ssh.test.ts,
 * channel.test.ts). `stop()` ends the master, sshd and the folder.
 */
export async function startSshHost(sshd: string, prefix: string): Promise<{ server: TestSshd; state: string; host: SshHost; stop(): void }> {
  const server = await startSshd(sshd);
  const state = mkdtempSync(join(tmpdir(), prefix));
  const host: SshHost = {
    name: 'box',
    config: { ssh: `${server.user}@127.0.0.1`, port: server.port, identityFile: server.userKey, maxAgents: 2, maxBuilds: 2, memReserveMB: 0, env: { FLOT_HOST: 'box' } },
    controlDir: controlDir(state),
    extraOptions: [`UserKnownHostsFile=${server.knownHosts}`, 'GlobalKnownHostsFile=/dev/null'],
    persistSec: 30,
  };
  return {
    server,
    state,
    host,
    stop() {
      spawnSync('ssh', ['-o', `ControlPath=${controlPath(host)}`, '-O', 'exit', 'x'], { stdio: 'ignore' });
      server.stop();
      rmSync(state, { recursive: true, force: true });
    },
  };
}
