import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { processAlive, processZombie } from './process-alive.js';

/** A child of a process that never waits: `sh` starts it, then exec's into a long sleep. */
async function makeZombie(): Promise<{ zombie: number; parent: () => void }> {
  const p = spawn('sh', ['-c', 'sleep 0.05 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const zombie = await new Promise<number>((resolve) => p.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));
  return { zombie, parent: () => p.kill('SIGKILL') };
}

describe('processZombie and processAlive', () => {
  it.runIf(process.platform === 'linux')('tells an exited, unreaped process from a running one', async () => {
    const { zombie, parent } = await makeZombie();
    try {
      const end = Date.now() + 5000;
      while (!processZombie(zombie) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      expect(processZombie(zombie)).toBe(true);
      expect(processAlive(zombie)).toBe(false); // signal 0 alone would still reach it
      expect(processAlive(process.pid)).toBe(true);
      expect(processZombie(process.pid)).toBe(false);
    } finally {
      parent();
    }
  });

  it('is false for missing and impossible pids', () => {
    expect(processZombie(null)).toBe(false);
    expect(processZombie(0)).toBe(false);
    expect(processZombie(2 ** 22 + 7)).toBe(false);
  });
});
