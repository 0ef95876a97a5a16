import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

/** Where sshd is, or undefined (tests skip with a visible line then). */
export function findSshd(): string | undefined {
  return ['/usr/sbin/sshd', '/usr/local/sbin/sshd'].find((p) => existsSync(p));
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export interface TestSshd {
  port: number;
  dir: string;
  /** The home of the host's sessions ($HOME there): its own, without the test account's rc files. */
  home: string;
  user: string;
  /** Private key accepted by this sshd. */
  userKey: string;
  /** A known_hosts file holding this sshd's host key. */
  knownHosts: string;
  readonly pid: number;
  /** Kills sshd and the sessions it serves (SIGKILL), keeping its keys: the host goes away. */
  kill(): void;
  /** Starts sshd again on the same port and keys: the host comes back. */
  restart(): Promise<void>;
  stop(): void;
}

const keygen = (file: string): void => {
  const r = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file]);
  if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr}`);
};

/** Starts an sshd on 127.0.0.1 (free port) for the current user, with generated host and user keys. */
export async function startSshd(sshd: string): Promise<TestSshd> {
  const dir = mkdtempSync(join(tmpdir(), 'fsshd-'));
  const hostKey = join(dir, 'host_key');
  const userKey = join(dir, 'user_key');
  keygen(hostKey);
  keygen(userKey);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${userKey}.pub`));
  const port = await freePort();
  const home = makeHome(dir);
  const config = [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${hostKey}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'UsePAM no',
    'StrictModes no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PubkeyAuthentication yes',
    `PidFile ${join(dir, 'sshd.pid')}`,
    // Each simulated host has a home of its own: the shell sshd starts reads that home's rc files,
    // not the ones of the account running the tests. A login rc of that account (pyenv's init runs
    // `pyenv rehash` under a lock file) left its lock behind when a test killed sshd mid-login, and
    // every later login of every test waited on it (CI's 24 failures at stop 25).
    `SetEnv HOME=${home}`,
    'LogLevel ERROR',
  ].join('\n');
  writeFileSync(join(dir, 'sshd_config'), `${config}\n`);
  const knownHosts = join(dir, 'known_hosts');
  const pub = readFileSync(`${hostKey}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
  writeFileSync(knownHosts, `[127.0.0.1]:${port} ${pub}\n`);
  // sshd run as root wants its privilege separation folder.
  if (process.getuid?.() === 0 && !existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755 });
  let child = await spawnSshd(sshd, dir, port);
  return {
    port,
    dir,
    home,
    user: userInfo().username,
    userKey,
    knownHosts,
    get pid() {
      return child.pid!;
    },
    kill() {
      // The listener and the per-connection processes it forked (its children): a host that went
      // away takes its open connections with it. The listener is stopped first: between the
      // children's kill and its own it could accept a reconnect (a log copy each second asks again
      // at once), and that new connection outlived the "dead" host (seen once under load: the
      // agent's output kept coming for a minute after the kill).
      child.kill('SIGSTOP');
      spawnSync('pkill', ['-KILL', '-P', String(child.pid)]);
      child.kill('SIGKILL');
    },
    async restart() {
      child = await spawnSshd(sshd, dir, port);
    },
    stop() {
      spawnSync('pkill', ['-TERM', '-P', String(child.pid)]);
      child.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A host's home in `dir`: empty but for the test account's git identity (the agents on the host
 * commit as the user would).
 */
function makeHome(dir: string): string {
  const home = join(dir, 'home');
  mkdirSync(home, { mode: 0o700 });
  const gitconfig = join(homedir(), '.gitconfig');
  if (existsSync(gitconfig)) writeFileSync(join(home, '.gitconfig'), readFileSync(gitconfig), { mode: 0o600 });
  return home;
}

/** Starts sshd on its config in `dir` and waits until `port` accepts connections. */
async function spawnSshd(sshd: string, dir: string, port: number): Promise<ChildProcess> {
  const child: ChildProcess = spawn(sshd, ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const { connect } = await import('node:net');
  for (let i = 0; ; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => (s.end(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (ok) return child;
    if (i > 100 || child.exitCode !== null) throw new Error(`sshd did not start: ${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
