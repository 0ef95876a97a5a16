import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRunner } from '../exec/index.js';
import { GitClient } from '../git/index.js';
import { makeTempRepo, type TempRepo } from '../../test-support/temp-repo.js';
import { attemptEnv, composeProjectName } from './attempt-env.js';
import { bootstrapAttempt, teardownAttempt } from './bootstrap-attempt.js';
import { acquireSlot, releaseSlot } from './port-slots.js';
import { fillPlaceholders, renderTemplates } from './render.js';
import { worktreeIncludes } from './worktree-include.js';
import { createAttemptWorktree } from './worktrees.js';
import { loadConfig } from '../config/index.js';

let repo: TempRepo | undefined;
const servers: Server[] = [];
afterEach(async () => {
  repo?.cleanup();
  repo = undefined;
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});
const runner = createRunner();
const client = new GitClient(runner);

function worktreeDirs(base: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => {
    const d = join(base, `wt-${i}`);
    mkdirSync(d, { recursive: true });
    return d;
  });
}

describe('port slots', () => {
  it('ten attempts started at once get ten distinct blocks; released ports are handed out again', async () => {
    repo = makeTempRepo();
    const file = join(repo.dir, 'slots.json');
    const dirs = worktreeDirs(repo.dir, 10);
    const base = 31000 + (process.pid % 200) * 20;
    const grants = await Promise.all(
      dirs.map((worktree, i) =>
        acquireSlot({ file, names: ['PORT', 'DB_PORT'], portBase: base, portStride: 2, repo: repo!.root, task: `t${i}`, attempt: 1, worktree }),
      ),
    );
    const ports = grants.flatMap((g) => Object.values(g.ports));
    expect(new Set(ports).size).toBe(20);
    expect(new Set(grants.map((g) => g.slot)).size).toBe(10);
    for (const g of grants) expect(g.ports.DB_PORT).toBe(g.ports.PORT! + 1);

    // The same attempt asking again keeps its block (stable across restarts).
    const again = await acquireSlot({ file, names: ['PORT', 'DB_PORT'], portBase: base, portStride: 2, repo: repo.root, task: 't3', attempt: 1, worktree: dirs[3]! });
    expect(again).toEqual(grants[3]);

    expect(await releaseSlot({ file, repo: repo.root, task: 't3' })).toBe(true);
    const next = await acquireSlot({ file, names: ['PORT', 'DB_PORT'], portBase: base, portStride: 2, repo: repo.root, task: 'new', attempt: 1, worktree: dirs[3]! });
    expect(next.slot).toBe(grants[3]!.slot);
  });

  it('skips a slot whose port something on the host already listens on', async () => {
    repo = makeTempRepo();
    const file = join(repo.dir, 'slots.json');
    const server = createServer();
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const busy = (server.address() as { port: number }).port;
    const [wt] = worktreeDirs(repo.dir, 1);
    const grant = await acquireSlot({ file, names: ['PORT'], portBase: busy, portStride: 1, repo: repo.root, task: 'a', attempt: 1, worktree: wt! });
    expect(grant.ports.PORT).not.toBe(busy);
    expect(grant.slot).toBe(1);
  });

  it('drops the lease of an attempt whose worktree is gone', async () => {
    repo = makeTempRepo();
    const file = join(repo.dir, 'slots.json');
    const [a, b] = worktreeDirs(repo.dir, 2);
    const base = 33000 + (process.pid % 200) * 10;
    const first = await acquireSlot({ file, names: ['PORT'], portBase: base, portStride: 1, repo: repo.root, task: 'a', attempt: 1, worktree: a! });
    rmSync(a!, { recursive: true });
    const second = await acquireSlot({ file, names: ['PORT'], portBase: base, portStride: 1, repo: repo.root, task: 'b', attempt: 1, worktree: b! });
    expect(second.slot).toBe(first.slot);
  });
});

describe('attempt environment', () => {
  it('names the compose project <repo>-<task>-a<n>, lowercase', () => {
    expect(composeProjectName('/x/My Repo', 'fix-login', 2)).toBe('my-repo-fix-login-a2');
    expect(attemptEnv('/x/app', 't', { n: 1, slot: 3, ports: { PORT: 20030 } })).toEqual({
      COMPOSE_PROJECT_NAME: 'app-t-a1', FLOTILLA_REPO: '/x/app', FLOTILLA_SLOT: '3', PORT: '20030',
    });
    expect(attemptEnv('/x/app', 't', { n: 1 })).toEqual({ COMPOSE_PROJECT_NAME: 'app-t-a1', FLOTILLA_REPO: '/x/app' });
  });

  it('fills known ${NAME} placeholders and leaves the others', () => {
    expect(fillPlaceholders('PORT=${PORT}\nX=${UNKNOWN}\n$PORT', { PORT: '20000' })).toBe('PORT=20000\nX=${UNKNOWN}\n$PORT');
  });

  it('refuses a render target outside the worktree', async () => {
    repo = makeTempRepo();
    repo.write('.env.example', 'PORT=${PORT}\n');
    await expect(renderTemplates({ repoRoot: repo.root, worktree: repo.root, entries: ['.env.example → ../escape'], vars: {} })).rejects.toThrow(/inside the worktree/);
  });
});

describe('bootstrap of an attempt', () => {
  it('copies .worktreeinclude files, renders .env from .env.example with the ports, runs setup with them, and tears down', async () => {
    repo = makeTempRepo();
    repo.write('.gitignore', '.env\nsecrets/\nbuild/\nnode_modules/\n');
    repo.write('.worktreeinclude', '# local files the agent needs\nsecrets/\nbuild/keep.txt\n');
    repo.write('.env.example', 'PORT=${PORT}\nVITE_PORT=${VITE_PORT}\nCOMPOSE=${COMPOSE_PROJECT_NAME}\n');
    repo.commit('templates');
    repo.write('secrets/key.txt', 'k\n');
    repo.write('build/keep.txt', 'keep\n');
    repo.write('build/drop.txt', 'drop\n');
    repo.write('node_modules/x/index.js', '');
    repo.write('untracked.txt', 'not ignored\n');
    expect(await worktreeIncludes(client, repo.root)).toEqual(['build/keep.txt', 'secrets/']);

    const base = 35000 + (process.pid % 200) * 10;
    const config = await loadConfig(join(repo.root, '.flotilla', 'config.json'));
    config.env = { ports: ['PORT', 'VITE_PORT'], portBase: base, portStride: 5 };
    config.bootstrap = {
      copy: [],
      render: ['.env.example → .env'],
      setup: [['node', '-e', 'require("fs").writeFileSync("setup.out", [process.env.PORT, process.env.FLOTILLA_SLOT, process.env.COMPOSE_PROJECT_NAME].join(" "))']],
      teardown: [['node', '-e', 'require("fs").writeFileSync(require("path").join(process.env.MARK_DIR, "down"), process.env.COMPOSE_PROJECT_NAME)']],
    };
    const slotsFile = join(repo.dir, 'slots.json');
    const wt = await createAttemptWorktree(client, { repoRoot: repo.root, worktreeRoot: repo.worktreeRoot, taskId: 'api', n: 1, startPoint: 'main' });
    const ctx = { paths: { root: repo.root }, config, git: client, runner, slotsFile };
    const fields = await bootstrapAttempt(ctx, { taskId: 'api', n: 1, worktree: wt.worktree });
    expect(fields).toEqual({ slot: 0, ports: { PORT: base, VITE_PORT: base + 1 } });
    expect(readFileSync(join(wt.worktree, 'secrets/key.txt'), 'utf8')).toBe('k\n');
    expect(existsSync(join(wt.worktree, 'build/keep.txt'))).toBe(true);
    expect(existsSync(join(wt.worktree, 'build/drop.txt'))).toBe(false);
    expect(existsSync(join(wt.worktree, 'node_modules'))).toBe(false);
    expect(existsSync(join(wt.worktree, 'untracked.txt'))).toBe(false);
    expect(readFileSync(join(wt.worktree, '.env'), 'utf8')).toBe(`PORT=${base}\nVITE_PORT=${base + 1}\nCOMPOSE=repo-api-a1\n`);
    expect(readFileSync(join(wt.worktree, 'setup.out'), 'utf8')).toBe(`${base} 0 repo-api-a1`);

    const mark = join(repo.dir, 'mark');
    mkdirSync(mark);
    process.env.MARK_DIR = mark;
    try {
      expect(await teardownAttempt(ctx, { taskId: 'api', n: 1, worktree: wt.worktree, ...fields })).toEqual([]);
    } finally {
      delete process.env.MARK_DIR;
    }
    expect(readFileSync(join(mark, 'down'), 'utf8')).toBe('repo-api-a1');
  });
});
