// Loopback ssh hosts for the host benches (hosts.mjs, hosts-view.mjs, host-start.mjs): one user
// key and known_hosts file per bench folder, and a real sshd per host folder on a free port.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';

export const SSHD = ['/usr/sbin/sshd', '/usr/local/sbin/sshd'].find((p) => spawnSync('test', ['-x', p]).status === 0) ?? null;

const keygen = (file) => execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file]);

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/** The user key and known_hosts under `dir`; `startSshd(hostDir)` starts a host's sshd (pushed on `children`) and answers its port once it accepts. */
export function sshdFixture(dir, children) {
  const userKey = join(dir, 'user_key');
  keygen(userKey);
  const knownHosts = join(dir, 'known_hosts');
  writeFileSync(knownHosts, '');
  if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });

  async function startSshd(h) {
    keygen(join(h, 'host_key'));
    const port = await freePort();
    writeFileSync(join(h, 'authorized_keys'), readFileSync(`${userKey}.pub`));
    // A home of the host's own (as the tests' sshd): the bench account's login rc files (pyenv's
    // init, with its rehash lock) are not what a host costs, and a lock left by a killed login
    // made every later login wait.
    const home = join(h, 'home');
    mkdirSync(home, { recursive: true, mode: 0o700 });
    const gitconfig = join(homedir(), '.gitconfig');
    if (existsSync(gitconfig)) writeFileSync(join(home, '.gitconfig'), readFileSync(gitconfig), { mode: 0o600 });
    writeFileSync(
      join(h, 'sshd_config'),
      [`Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${join(h, 'host_key')}`, `AuthorizedKeysFile ${join(h, 'authorized_keys')}`, 'UsePAM no', 'StrictModes no', 'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'MaxSessions 100', `PidFile ${join(h, 'pid')}`, `SetEnv HOME=${home}`, 'LogLevel ERROR', ''].join('\n'),
    );
    const pub = readFileSync(join(h, 'host_key.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
    writeFileSync(knownHosts, `${readFileSync(knownHosts, 'utf8')}[127.0.0.1]:${port} ${pub}\n`);
    children.push(spawn(SSHD, ['-D', '-e', '-f', join(h, 'sshd_config')], { stdio: 'ignore' }));
    for (let k = 0; k < 100; k++) {
      const ok = await new Promise((resolve) => {
        const s = connect(port, '127.0.0.1', () => (s.end(), resolve(true)));
        s.on('error', () => resolve(false));
      });
      if (ok) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    return port;
  }

  return { userKey, knownHosts, startSshd };
}
