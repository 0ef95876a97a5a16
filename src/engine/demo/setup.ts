import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { demoAgentPath, demoAgentProfile } from '../agents/index.js';
import { writeConfig } from '../config/index.js';
import { UsageError } from '../core/index.js';
import type { Runner } from '../exec/index.js';
import { GitClient } from '../git/index.js';
import { initRepo } from '../config/index.js';
import { repoPaths } from '../core/index.js';
import { DEMO_FILES } from './project.js';

/** The demo's reviewers: the scripted rule-based reviewer in three roles (assets/demo-agent/demo-reviewer.mjs). */
function demoReviewerProfiles(): Record<string, unknown> {
  const script = join(dirname(demoAgentPath()), 'demo-reviewer.mjs');
  const profile = (role: string) => ({
    command: [process.execPath, script, '--role', role, '--model', '{model}', '{promptFile}'],
    review: { command: [process.execPath, script, '--role', role, '--model', '{model}', '{promptFile}'], output: 'claude-json' },
  });
  return {
    'demo-logic': profile('logic'),
    'demo-security': profile('security-performance'),
    'demo-conventions': profile('conventions'),
  };
}

export interface DemoRepo {
  /** The folder holding the repository and its worktrees. */
  dir: string;
  root: string;
}

/**
 * Creates the demo's throwaway repository: the small project committed on `main`, flotilla
 * initialised with the local forge, `node --test` as CI, the scripted demo agent as the default
 * profile and scripted reviewers in three roles. No network, no keys.
 */
export async function createDemoRepo(runner: Runner, options: { dir?: string } = {}): Promise<DemoRepo> {
  let dir: string;
  if (options.dir) {
    dir = resolve(options.dir);
    if (existsSync(dir) && readdirSync(dir).length > 0) throw new UsageError(`demo: ${dir} is not empty; give an empty or new folder`);
    await mkdir(dir, { recursive: true });
  } else {
    dir = await mkdtemp(join(tmpdir(), 'flotilla-demo-'));
  }
  const root = join(dir, 'textkit');
  await mkdir(root, { recursive: true });
  for (const [rel, content] of Object.entries(DEMO_FILES)) {
    await mkdir(dirname(join(root, rel)), { recursive: true });
    await writeFile(join(root, rel), content);
  }
  const git = new GitClient(runner);
  await git.run(root, ['init', '-q', '-b', 'main']);
  // The demo commits as its own identity, so it works on a machine with no git identity set.
  await git.run(root, ['config', 'user.name', 'flotilla demo']);
  await git.run(root, ['config', 'user.email', 'demo@flotilla.invalid']);
  await git.run(root, ['add', '-A']);
  await git.run(root, ['commit', '-q', '-m', 'textkit: first version']);

  const paths = repoPaths(root);
  await initRepo(git, paths);
  await writeConfig(paths.configFile, {
    // pty: the demo's agents live and die with the demo process.
    runtime: 'pty',
    defaultAgent: 'demo',
    baseBranch: 'main',
    worktreeRoot: join(dir, 'worktrees'),
    forge: 'local',
    checks: [{ name: 'test', command: ['node', '--test'], timeoutSec: 120 }],
    gates: ['pr', 'rebased', 'ci', 'reviews'],
    monitor: { intervalSec: 2, idleGraceSec: 20 },
    limits: { staggerMs: 300 },
    profiles: { demo: demoAgentProfile(paths), ...demoReviewerProfiles() },
    reviewers: [
      { role: 'logic', focus: 'Edge cases and logic errors.', profile: 'demo-logic', model: 'claude-opus-4-1', blocking: true },
      { role: 'security-performance', focus: 'Security and performance problems.', profile: 'demo-security', model: 'claude-sonnet-4-5', blocking: true },
      { role: 'conventions', focus: "The project's conventions; confirm rather than invent.", profile: 'demo-conventions', model: 'claude-haiku-4-5' },
    ],
  });
  return { dir, root };
}
