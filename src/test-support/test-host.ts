import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { closeMaster } from '../engine/index.js';
import { startSshd, type TestSshd } from './sshd.js';

/**
 * A simulated remote host for tests: a real sshd on 127.0.0.1 (src/test-support/sshd.ts) and a
 * worktree root of its own beside the test's repository. One per file (beforeAll), shared by its
 * cases: starting sshd and its keys is the slow part.
 */
export interface TestHost {
  /** The host's name under `hosts` in config.json. */
  name: string;
  server: TestSshd;
  /** Its worktree root (made): `<repo.dir>/<name>`. */
  root: string;
  /** Its entry under `hosts` in config.json. */
  config: Record<string, unknown>;
  /** Ends what the test left on the host (its tmux servers, so its agents) and the repository's ssh master to it. */
  release(): void;
}

/** What a host needs of the test's repository: where its worktree root goes, where flotilla keeps state. */
interface RepoLike {
  root: string;
  dir: string;
}

/** The `hosts` entry that reaches `server`: user, port, key and known_hosts; `over` merged over it. */
export function sshHostConfig(server: TestSshd, over: Record<string, unknown> = {}): Record<string, unknown> {
  return { ssh: `${server.user}@127.0.0.1`, port: server.port, identityFile: server.userKey, knownHostsFile: server.knownHosts, ...over };
}

/** The tmux sockets flotilla made on a host under its worktree root (one per repository). */
export function hostTmuxSockets(root: string): string[] {
  const r = spawnSync('sh', ['-c', 'for s in "$0"/.flotilla/*/tmux; do [ -e "$s" ] && printf "%s\\n" "$s"; done; true', root], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean);
}

/** Ends the tmux servers flotilla started on a host (and the agents in them). */
export function killHostTmux(root: string): void {
  for (const socket of hostTmuxSockets(root)) spawnSync('tmux', ['-S', socket, 'kill-server'], { stdio: 'ignore' });
}

/** A host named `name` served by an sshd already running (several hosts may share one). */
export function hostOn(server: TestSshd, repo: RepoLike, name: string, over: Record<string, unknown> = {}): TestHost {
  const root = join(repo.dir, name);
  mkdirSync(root, { recursive: true });
  const config = sshHostConfig(server, { worktreeRoot: root, ...over });
  return {
    name,
    server,
    root,
    config,
    release() {
      killHostTmux(root);
      closeMaster(join(repo.root, '.flotilla'), name, config as never);
    },
  };
}

/** A host with an sshd of its own; `stop()` releases it and ends that sshd. */
export async function startTestHost(sshd: string, repo: RepoLike, name = 'box', over: Record<string, unknown> = {}): Promise<TestHost & { stop(): void }> {
  const server = await startSshd(sshd);
  const host = hostOn(server, repo, name, over);
  return {
    ...host,
    stop() {
      host.release();
      server.stop();
    },
  };
}
