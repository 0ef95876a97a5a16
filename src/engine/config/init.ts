import { tightenPrivateDir } from '../fs/index.js';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultConfig, loadConfig } from './load.js';
import { gitArgs } from '../git/index.js';
import type { GitClient } from '../git/index.js';
import { writeFileAtomic } from '../fs/index.js';
import type { RepoPaths } from '../core/index.js';

export const MEMORY_TEMPLATE = `# flotilla memory

Notes for the orchestrator tier: the person (or coordinating agent) who writes task prompts.
Workers never see this file whole; flotilla offers them only matching learnings.

## Strategy

- (What this project is for, who it serves, decisions that hold across tasks.)

## What works

- (Prompt shapes, context and task sizes that led to clean pull requests.)

## What failed

- (Approaches that went wrong, and why.)

## Learnings

`;

export interface InitResult {
  created: string[];
  kept: string[];
}

/** Creates `.flotilla/` with a default config and MEMORY.md, and excludes it from git. Idempotent. */
export async function initRepo(git: GitClient, paths: RepoPaths): Promise<InitResult> {
  const created: string[] = [];
  const kept: string[] = [];
  await mkdir(paths.stateDir, { recursive: true, mode: 0o700 });
  await tightenPrivateDir(paths.stateDir);

  if (existsSync(paths.configFile)) {
    await loadConfig(paths.configFile); // refuse to call a broken config "initialised"
    kept.push(paths.configFile);
  } else {
    await writeFileAtomic(paths.configFile, `${JSON.stringify(defaultConfig(), null, 2)}\n`);
    created.push(paths.configFile);
  }

  if (existsSync(paths.memoryFile)) kept.push(paths.memoryFile);
  else {
    await writeFileAtomic(paths.memoryFile, MEMORY_TEMPLATE);
    created.push(paths.memoryFile);
  }

  const commonDir = (await git.run(paths.root, gitArgs.commonDir())).trim();
  const exclude = join(commonDir, 'info', 'exclude');
  const current = existsSync(exclude) ? await readFile(exclude, 'utf8') : '';
  const lines = current.split('\n').map((l) => l.trim());
  if (!lines.includes('.flotilla/') && !lines.includes('/.flotilla/')) {
    await mkdir(join(commonDir, 'info'), { recursive: true });
    if (existsSync(exclude)) await appendFile(exclude, `${current.endsWith('\n') || !current ? '' : '\n'}.flotilla/\n`);
    else await writeFile(exclude, '.flotilla/\n');
    created.push(`${exclude} (.flotilla/)`);
  }
  return { created, kept };
}
