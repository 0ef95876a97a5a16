import { describe, expect, it } from 'vitest';
import { configSchema } from '../core/index.js';
import { parseConfig } from '../config/index.js';
import { ConfigError } from '../core/index.js';
import { decideAdmission, type AdmissionInput, type MemoryReading } from './decide.js';
import { recommendAgents, resolveReserveMB } from './limits.js';

const GB = 1024;
const mem = (availableMB: number, extra: Partial<MemoryReading> = {}): MemoryReading => ({
  totalMB: 16 * GB,
  availableMB,
  swapTotalMB: 0,
  swapUsedMB: 0,
  swapping: false,
  ...extra,
});
const limits = { maxAgents: 3, maxBuilds: 2, staggerMs: 1000, reserveMB: 2 * GB };

function input(over: Partial<AdmissionInput> = {}): AdmissionInput {
  return {
    limits,
    memory: mem(12 * GB),
    running: [],
    ahead: [],
    job: { kind: 'check', expectedPeakMB: 1 * GB },
    now: 100_000,
    lastStartAt: null,
    ...over,
  };
}

describe('decideAdmission', () => {
  it('admits when a slot is free and memory covers the peak', () => {
    expect(decideAdmission(input())).toEqual({ admit: true });
  });

  it('counts check/install/build/review together against maxBuilds', () => {
    const running = [
      { kind: 'install' as const, expectedPeakMB: 100, rssMB: 100 },
      { kind: 'review' as const, expectedPeakMB: 100, rssMB: 100 },
    ];
    expect(decideAdmission(input({ running }))).toEqual({ admit: false, reason: 'waiting: 2/2 build slots busy' });
    // Agents have their own slots.
    expect(decideAdmission(input({ running, job: { kind: 'agent', expectedPeakMB: 1 * GB } })).admit).toBe(true);
  });

  it('limits agents by maxAgents', () => {
    const running = Array.from({ length: 3 }, () => ({ kind: 'agent' as const, expectedPeakMB: 10, rssMB: 10 }));
    const d = decideAdmission(input({ running, job: { kind: 'agent', expectedPeakMB: 10 } }));
    expect(d).toEqual({ admit: false, reason: 'waiting: 3/3 agent slots busy' });
  });

  it('says how much memory is needed and how much is free above the reserve', () => {
    // 2.9 GB available - 2 GB reserve = 0.9 GB free; the job needs 1.4 GB.
    const d = decideAdmission(input({ memory: mem(2.9 * GB), job: { kind: 'build', expectedPeakMB: 1.4 * GB } }));
    expect(d).toEqual({ admit: false, reason: 'waiting: needs ~1.4 GB, 0.9 GB free above reserve' });
  });

  it('counts the growth still expected from running jobs', () => {
    // 4 GB free above reserve, but a running job at 0.5 GB RSS expects to reach 3.5 GB.
    const running = [{ kind: 'agent' as const, expectedPeakMB: 3.5 * GB, rssMB: 0.5 * GB }];
    const d = decideAdmission(input({ memory: mem(6 * GB), running, job: { kind: 'check', expectedPeakMB: 1.5 * GB } }));
    expect(d).toEqual({ admit: false, reason: 'waiting: needs ~1.5 GB, 1.0 GB free above reserve' });
  });

  it('staggers two starts', () => {
    const d = decideAdmission(input({ lastStartAt: 99_400 }));
    expect(d).toEqual({ admit: false, reason: 'waiting: staggering starts (0.4 s)', retryInMs: 400 });
    expect(decideAdmission(input({ lastStartAt: 99_000 })).admit).toBe(true);
    expect(decideAdmission(input({ lastStartAt: 99_900, limits: { ...limits, staggerMs: 0 } })).admit).toBe(true);
  });

  it('pauses while swap-in is active', () => {
    const d = decideAdmission(input({ memory: mem(12 * GB, { swapping: true }) }));
    expect(d).toEqual({ admit: false, reason: 'waiting: swap-in activity, admission paused until it settles' });
  });

  it('starts a job larger than the machine could ever give alone, with a warning', () => {
    const job = { kind: 'build' as const, expectedPeakMB: 20 * GB, label: 'huge build' };
    const alone = decideAdmission(input({ job, memory: mem(3 * GB) }));
    expect(alone.admit).toBe(true);
    expect(alone.admit && alone.warning).toMatch(/huge build needs ~20\.0 GB, more than this machine has above the reserve \(14\.0 GB\); starting it alone/);
    // Alone among its slot class: a long-lived agent does not keep it waiting forever.
    const besideAgent = decideAdmission(input({ job, running: [{ kind: 'agent', expectedPeakMB: 10, rssMB: 10 }] }));
    expect(besideAgent.admit).toBe(true);
    const withOthers = decideAdmission(input({ job, running: [{ kind: 'check', expectedPeakMB: 10, rssMB: 10 }] }));
    expect(withOthers).toEqual({ admit: false, reason: 'waiting: needs ~20.0 GB, more than the machine has above reserve; waits to run alone' });
  });

  it('is FIFO within a slot class and does not let small jobs overtake a memory-blocked one', () => {
    const sameClass = decideAdmission(input({ ahead: [{ kind: 'install', expectedPeakMB: 10 }] }));
    expect(sameClass).toEqual({ admit: false, reason: 'waiting: 1 earlier build job queued first' });
    const otherClassFits = decideAdmission(input({ ahead: [{ kind: 'agent', expectedPeakMB: 10 }] }));
    expect(otherClassFits.admit).toBe(true);
    const otherClassBlocked = decideAdmission(
      input({ memory: mem(4 * GB), ahead: [{ kind: 'agent', expectedPeakMB: 3 * GB, label: 'agent fix-login' }] }),
    );
    expect(otherClassBlocked).toEqual({ admit: false, reason: 'waiting: queued behind agent fix-login (needs ~3.0 GB)' });
    // An agent held back by its own full slots does not hold checks back.
    const agents = Array.from({ length: 3 }, () => ({ kind: 'agent' as const, expectedPeakMB: 1, rssMB: 1 }));
    const behindFullAgents = decideAdmission(
      input({ memory: mem(4 * GB), running: agents, ahead: [{ kind: 'agent', expectedPeakMB: 3 * GB, label: 'agent fix-login' }] }),
    );
    expect(behindFullAgents.admit).toBe(true);
  });
});

describe('reserve and recommendation', () => {
  const defaults = configSchema.parse({}).limits;

  it('defaults the reserve to max(2048, 15% of total)', () => {
    expect(resolveReserveMB(defaults, 8 * GB, 'c.json')).toBe(2048);
    expect(resolveReserveMB(defaults, 64 * GB, 'c.json')).toBe(Math.round(64 * GB * 0.15));
    expect(resolveReserveMB({ ...defaults, memReserveMB: 3000 }, 8 * GB, 'c.json')).toBe(3000);
  });

  it('refuses a reserve at or above total memory with a ConfigError naming the key', () => {
    expect(() => resolveReserveMB({ ...defaults, memReserveMB: 9000 }, 8 * GB, '/r/.flotilla/config.json')).toThrow(ConfigError);
    expect(() => resolveReserveMB({ ...defaults, memReserveMB: 9000 }, 8 * GB, '/r/.flotilla/config.json')).toThrow(
      /\/r\/\.flotilla\/config\.json: key "limits\.memReserveMB": 9000 MB is not below this machine's total memory \(8192 MB\)/,
    );
  });

  it('refuses zero and negative limits in the schema', () => {
    for (const bad of [{ maxBuilds: 0 }, { maxAgents: -1 }, { memReserveMB: 0 }, { staggerMs: -5 }, { defaultPeakMB: { agent: 0 } }]) {
      expect(() => parseConfig('c.json', { limits: bad })).toThrow(ConfigError);
    }
    expect(() => parseConfig('c.json', { limits: { maxBuilds: 0 } })).toThrow(/key "limits\.maxBuilds"/);
  });

  it('recommends running agents plus what fits at the learned peak', () => {
    const r = recommendAgents({
      memory: mem(10 * GB),
      limits: { ...limits, maxAgents: 8 },
      running: [{ kind: 'agent', expectedPeakMB: 2 * GB, rssMB: 2 * GB }],
      learnedAgentPeaksMB: [1.5 * GB, 2 * GB],
      defaultAgentPeakMB: 1536,
    });
    // 10 - 2 reserve = 8 GB free, 2 GB per agent: 4 more.
    expect(r.agents).toBe(5);
    expect(r.reason).toBe('~2.0 GB per agent (learned); 8.0 GB free above a 2.0 GB reserve; 1 running + 4 more fit');
    const capped = recommendAgents({ memory: mem(15 * GB), limits, running: [], learnedAgentPeaksMB: [], defaultAgentPeakMB: 1024 });
    expect(capped.agents).toBe(3);
    expect(capped.reason).toMatch(/\(default\).*capped by limits\.maxAgents 3/);
    const swapping = recommendAgents({ memory: mem(15 * GB, { swapping: true }), limits, running: [], learnedAgentPeaksMB: [], defaultAgentPeakMB: 1024 });
    expect(swapping.agents).toBe(0);
  });

  it("counts flotilla's own processes per agent (tmux's pane, a log writer of its own) in what each agent costs", () => {
    const input = { memory: mem(10 * GB), limits: { ...limits, maxAgents: 100 }, running: [], learnedAgentPeaksMB: [], defaultAgentPeakMB: 256 };
    // 8 GB free: 32 agents at 256 MB, 27 at 256 + 44 MB (a node writer each), 31 at 256 + 6 MB.
    expect(recommendAgents(input).agents).toBe(32);
    expect(recommendAgents({ ...input, overheadPerAgentMB: 44 }).agents).toBe(27);
    const perl = recommendAgents({ ...input, overheadPerAgentMB: 6 });
    expect(perl.agents).toBe(31);
    expect(perl.reason).toMatch(/per agent \(default, 6 MB of it flotilla's own \(tmux, log\)\)/);
  });
});
