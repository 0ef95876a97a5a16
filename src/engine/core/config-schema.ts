import { z } from 'zod';

/**
 * The schema of `.flotilla/config.json`. Every object is strict, so a mistyped key is an error that
 * names the key. Defaults live here; `flotilla init` writes them out in full.
 */

const argv = z.array(z.string()).min(1, 'must be a non-empty array of strings (program and arguments)');

/**
 * A whole number in [min, max], the error naming the bound and the value given. Every duration and
 * count has an upper bound: a timer of 2^31 ms or more fires after 1 ms in Node, and an absurd
 * count is a typo, never a wish.
 */
const intIn = (min: number, max: number) =>
  z
    .number()
    .int({ error: (i) => `must be a whole number (got ${String(i.input)})` })
    .min(min, { error: (i) => `at least ${min} (got ${String(i.input)})` })
    .max(max, { error: (i) => `at most ${max} (got ${String(i.input)})` });

/** The bounds of every duration and count in the config (also in docs/config.md). */
export const CONFIG_BOUNDS = {
  /** Seconds a check, gate or reviewer may run: one day. */
  timeoutSec: [1, 86_400],
  intervalSec: [1, 86_400],
  idleGraceSec: [0, 86_400],
  /** Milliseconds of quiet before idle: one hour. */
  quietMs: [1, 3_600_000],
  /** Milliseconds between starts: ten minutes. */
  staggerMs: [0, 600_000],
  maxAgents: [1, 256],
  maxBuilds: [1, 256],
  /** Megabytes (16 TiB). */
  memoryMB: [1, 16_777_216],
  /** Bytes of one pty log before rotation: 1 KiB to 1 GiB. */
  logMaxBytes: [1024, 1_073_741_824],
  logKeep: [1, 100],
  maxAttempts: [1, 100],
  maxCiRounds: [1, 100],
  maxBlocks: [1, 100],
  /** Seconds a paused task waits when the agent's message names no reset time: ten seconds to a day. */
  pauseBackoffSec: [10, 86_400],
} as const satisfies Record<string, readonly [number, number]>;
const bounded = (name: keyof typeof CONFIG_BOUNDS) => intIn(CONFIG_BOUNDS[name][0], CONFIG_BOUNDS[name][1]);

/** A regular expression flotilla will compile: refused at load, naming the key, when it does not. */
const regexSource = z.string().superRefine((source, ctx) => {
  try {
    new RegExp(source);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `not a valid regular expression: ${(err as Error).message}` });
  }
});

/** `bootstrap.render` entries: "template → target" or "template -> target". */
export const RENDER_PATTERN = /^\s*(\S.*?)\s*(?:→|->)\s*(\S.*?)\s*$/;

export const profileSchema = z.strictObject({
  /** Program and arguments. Placeholders: {prompt}, {promptFile}, {model}. */
  command: argv,
  /** Arguments added after `command` (how a config profile extends a built-in one). */
  args: z.array(z.string()).optional(),
  /** Model passed as {model}. */
  model: z.string().optional(),
  /** How retry context is delivered: appended to the prompt, or as extra argv (e.g. ["--append-system-prompt", "{context}"]). */
  appendContext: z.union([z.literal('prompt'), z.array(z.string())]).optional(),
  /** Which native hook integration to use for status. */
  hooks: z.enum(['claude', 'codex', 'none']).optional(),
  /** How the agent is told that a flotilla worktree is trusted (config trustWorktrees; docs/agents.md). */
  trust: z.enum(['claude', 'codex', 'gemini', 'none']).optional(),
  /** Screen patterns (regular expressions) for the status fallback. */
  patterns: z
    .strictObject({
      waiting: z.array(regexSource).optional(),
      working: z.array(regexSource).optional(),
      idle: z.array(regexSource).optional(),
      /** The agent retrying a failed API request; groups 1 and 2 are the attempt and the maximum. */
      retrying: z.array(regexSource).optional(),
      contextExhausted: z.array(regexSource).optional(),
    })
    .optional(),
  /** Quiet time after which a session with no output counts as idle. */
  quietMs: bounded('quietMs').optional(),
  /** Extra environment variables for the agent. */
  env: z.record(z.string(), z.string()).optional(),
  /** Non-interactive command used when this profile reviews code. Placeholders as in `command`. */
  review: z
    .strictObject({
      command: argv,
      output: z.enum(['claude-json', 'codex-jsonl', 'text']).optional(),
    })
    .optional(),
});
export type ProfileConfig = z.infer<typeof profileSchema>;

/**
 * A profile as written in config: with a built-in's name it extends that profile (`command`
 * optional, `args` added, `env` merged, `patterns` added) unless `replace` is true.
 */
export const profileEntrySchema = profileSchema.extend({
  command: argv.optional(),
  /** Replace the built-in profile of the same name whole instead of extending it. */
  replace: z.boolean().optional(),
});
export type ProfileEntryConfig = z.infer<typeof profileEntrySchema>;

export const checkSchema = z.strictObject({
  name: z.string().min(1),
  command: argv,
  timeoutSec: bounded('timeoutSec').default(600),
});
export type CheckConfig = z.infer<typeof checkSchema>;

export const BUILTIN_GATES = ['pr', 'rebased', 'ci', 'reviews', 'screenshots'] as const;

export const gateSchema = z.union([
  z.enum(BUILTIN_GATES),
  z.strictObject({
    name: z.enum(BUILTIN_GATES),
    /** For `screenshots`: paths (globs) whose change needs a screenshot. */
    uiGlobs: z.array(z.string()).optional(),
    /** For `pr`: headings the description must keep from the template. */
    requireTemplate: z.boolean().optional(),
  }),
  z.strictObject({
    name: z.string().min(1),
    command: argv,
    timeoutSec: bounded('timeoutSec').default(300),
    /** Run also by the fast local stop gate (`flotilla gate <task> --local`). */
    local: z.boolean().default(false),
  }),
]);
export type GateConfig = z.infer<typeof gateSchema>;

export const reviewerSchema = z.strictObject({
  role: z.string().min(1),
  focus: z.string().min(1),
  profile: z.string().min(1),
  model: z.string().optional(),
  blocking: z.boolean().default(false),
  timeoutSec: bounded('timeoutSec').default(300),
});
export type ReviewerConfig = z.infer<typeof reviewerSchema>;

// Dollars per million tokens: finite, and at most $1,000,000 (a bigger number is a typo).
const perMillion = z
  .number()
  .nonnegative({ error: (i) => `at least 0 (got ${String(i.input)})` })
  .max(1_000_000, { error: (i) => `at most 1000000 dollars per million tokens (got ${String(i.input)})` });
const priceSchema = z.strictObject({
  input: perMillion,
  output: perMillion,
  cacheWrite: perMillion.optional(),
  cacheRead: perMillion.optional(),
});
export const modelPriceSchema = priceSchema.extend({
  /** Prices per million tokens above 200k input tokens in one request. */
  above200k: priceSchema.optional(),
});
export type ModelPriceConfig = z.infer<typeof modelPriceSchema>;

export const FAILURE_CLASSES = [
  'ci_failed',
  'review_flagged',
  'conflicts',
  'crashed',
  'no_progress',
  'context_exhausted',
  'off_track',
  'needs_knowledge',
  /** Network down, not logged in, the agent binary missing: the human fixes the machine (recovery/environment.ts). */
  'environment',
] as const;
export type FailureClass = (typeof FAILURE_CLASSES)[number];

export const JOB_KINDS = ['agent', 'check', 'install', 'review', 'build'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

/** A machine agents can run on over SSH (docs/hosts.md). The local machine is the reserved host `local`. */
export const hostSchema = z.strictObject({
  /** user@host (or host) as the system ssh client takes it; no options, no spaces. */
  ssh: z
    .string()
    .regex(/^(?:[A-Za-z0-9._-]{1,64}@)?[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/, 'must be user@host or host (letters, digits, . _ -)'),
  port: z.number().int().min(1).max(65535).default(22),
  /** Private key file for this host (otherwise ssh's own defaults). */
  identityFile: z.string().min(1).optional(),
  /** A known_hosts file to check this host's key against (otherwise ssh's own); checking stays on. */
  knownHostsFile: z.string().startsWith('/', 'must be an absolute path').regex(/^\S+$/, 'must have no spaces').optional(),
  /** Where attempt worktrees go on the host (absolute path). */
  worktreeRoot: z.string().startsWith('/', 'must be an absolute path').optional(),
  maxAgents: z.number().int().min(1).max(256).default(4),
  /** Checks (CI) of the host's attempts running there at once (its build slots; docs/builds.md). */
  maxBuilds: z.number().int().min(1).max(64).default(2),
  /** Memory kept free on the host for everything else. */
  memReserveMB: z.number().int().min(0).max(1048576).default(2048),
  /** Extra environment variables for programs run on the host. */
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name'), z.string()).default({}),
});

export const HOST_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,31}$/;

const hostsSchema = z
  .record(z.string(), hostSchema)
  .superRefine((hosts, ctx) => {
    for (const name of Object.keys(hosts)) {
      const message =
        name === 'local'
          ? 'the host name "local" is reserved for this machine'
          : HOST_NAME_PATTERN.test(name)
            ? undefined
            : 'host names are lowercase letters, digits and -, at most 32';
      if (message) ctx.addIssue({ code: 'custom', path: [name], message });
    }
  })
  .default({});

export const configSchema = z.strictObject({
  version: z.literal(1).default(1),
  /** Session runtime: tmux when installed (agents survive flotilla quitting), else node-pty in process. */
  runtime: z.enum(['auto', 'tmux', 'pty']).default('auto'),
  /** Profile used by `flotilla add` when --agent is not given. */
  defaultAgent: z.string().min(1).default('claude'),
  /** Default base branch for new tasks; empty means the branch checked out when the task is added. */
  baseBranch: z.string().default(''),
  /** Where attempt worktrees go; empty means ~/.local/share/flotilla/worktrees/<repo>-<hash>. */
  worktreeRoot: z.string().default(''),
  bootstrap: z
    .strictObject({
      /** File names or simple globs (* and ?) at the repository top copied into each new worktree. */
      copy: z.array(z.string()).default(['.env', '.env.*']),
      /** Commands run in each new worktree, in order. */
      setup: z.array(argv).default([]),
      /** "template → target" (or "template -> target"): target written from template with ${NAME} filled from the attempt's environment. */
      render: z.array(z.string().regex(RENDER_PATTERN, 'must read "template → target" (or "template -> target")')).default([]),
      /** Commands run in an attempt's worktree just before it is removed (stop its compose project, drop its database). */
      teardown: z.array(argv).default([]),
    })
    .default({ copy: ['.env', '.env.*'], setup: [], render: [], teardown: [] }),
  /** The per-attempt environment. */
  env: z
    .strictObject({
      /** Variable names each attempt gets a free port for (e.g. ["PORT", "VITE_PORT"]). */
      ports: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')).default([]),
      /** First port of slot 0; slot N's block starts at portBase + N * portStride. */
      portBase: z.number().int().min(1024).max(65000).default(20000),
      /** Ports reserved per slot (at least the number of names in ports). */
      portStride: z.number().int().positive().max(1000).default(10),
    })
    .refine((e) => e.ports.length <= e.portStride, { message: 'more names in env.ports than env.portStride ports per slot', path: ['ports'] })
    .refine((e) => new Set(e.ports).size === e.ports.length, { message: 'a name appears twice in env.ports', path: ['ports'] })
    .default({ ports: [], portBase: 20000, portStride: 10 }),
  /** Ordering of attempts that touch the same files. */
  conflicts: z
    .strictObject({
      /** Admission holds a task whose --files hint (or running sibling's changes) overlaps a live attempt. */
      hold: z.boolean().default(false),
    })
    .default({ hold: false }),
  profiles: z.record(z.string(), profileEntrySchema).default({}),
  /** Start agents in their attempt worktrees without the CLI's "trust this folder" dialog (profile `trust`). */
  trustWorktrees: z.boolean().default(true),
  forge: z.enum(['auto', 'local', 'github']).default('auto'),
  checks: z.array(checkSchema).default([]),
  gates: z.array(gateSchema).default(['pr', 'rebased', 'ci', 'reviews']),
  stopGate: z
    .strictObject({ enabled: z.boolean().default(false), maxBlocks: bounded('maxBlocks').default(3) })
    .default({ enabled: false, maxBlocks: 3 }),
  notify: z
    .strictObject({
      command: argv.optional(),
      bell: z.boolean().default(true),
      desktop: z.boolean().default(true),
    })
    .default({ bell: true, desktop: true }),
  monitor: z
    .strictObject({
      intervalSec: bounded('intervalSec').default(15),
      /** An agent still alive must stay idle this long before "idle without commits" fails it. */
      idleGraceSec: bounded('idleGraceSec').default(60),
    })
    .default({ intervalSec: 15, idleGraceSec: 60 }),
  limits: z
    .strictObject({
      maxAgents: bounded('maxAgents').default(8),
      maxBuilds: bounded('maxBuilds').default(2),
      /** Memory kept free for the rest of the machine; default max(2048, 15% of total). */
      memReserveMB: bounded('memoryMB').optional(),
      staggerMs: bounded('staggerMs').default(1000),
      /** Expected peak memory of a job kind never measured before. */
      defaultPeakMB: z
        .strictObject({
          agent: bounded('memoryMB').default(1536),
          check: bounded('memoryMB').default(1024),
          install: bounded('memoryMB').default(1024),
          review: bounded('memoryMB').default(1024),
          build: bounded('memoryMB').default(1536),
        })
        .default({ agent: 1536, check: 1024, install: 1024, review: 1024, build: 1536 }),
    })
    .default({
      maxAgents: 8,
      maxBuilds: 2,
      staggerMs: 1000,
      defaultPeakMB: { agent: 1536, check: 1024, install: 1024, review: 1024, build: 1536 },
    }),
  shared: z
    .strictObject({
      nodeModules: z.boolean().default(true),
      /** Extra folders (relative to the worktree) shared between worktrees whose key file hashes agree. */
      folders: z.array(z.strictObject({ path: z.string().min(1), keyFiles: z.array(z.string()).min(1) })).default([]),
    })
    .default({ nodeModules: true, folders: [] }),
  recovery: z
    .strictObject({
      maxAttempts: bounded('maxAttempts').default(3),
      maxCiRounds: bounded('maxCiRounds').default(2),
      auto: z.array(z.enum(FAILURE_CLASSES)).default(['ci_failed', 'review_flagged', 'conflicts', 'crashed', 'no_progress']),
      /**
       * A usage limit or an overloaded API pauses the task until the reset time the agent names
       * (`backoffSec` when it names none); `autoResume` types the agent's "continue" at that time.
       */
      pause: z
        .strictObject({ autoResume: z.boolean().default(true), backoffSec: bounded('pauseBackoffSec').default(900) })
        .default({ autoResume: true, backoffSec: 900 }),
    })
    .default({
      maxAttempts: 3,
      maxCiRounds: 2,
      auto: ['ci_failed', 'review_flagged', 'conflicts', 'crashed', 'no_progress'],
      pause: { autoResume: true, backoffSec: 900 },
    }),
  reviewers: z.array(reviewerSchema).optional(),
  prices: z.record(z.string(), modelPriceSchema).default({}),
  logs: z
    .strictObject({ maxBytes: bounded('logMaxBytes').default(5 * 1024 * 1024), keep: bounded('logKeep').default(3) })
    .default({ maxBytes: 5 * 1024 * 1024, keep: 3 }),
  /** Key overrides for the TUI: command id -> key or keys. */
  keys: z.record(z.string(), z.union([z.string(), z.array(z.string())])).default({}),
  /**
   * What happens to an agent once its task is ready or escalated: "keep" leaves it alive until you
   * look (it holds no agent slot while idle), "close" ends it (the task keeps its state).
   */
  finishedAgents: z.enum(['keep', 'close']).default('keep'),
  /** Key that detaches from an attached agent. */
  detachKey: z.string().default('C-]'),
  /** Remote machines agents can run on, by name (docs/hosts.md). */
  hosts: hostsSchema,
});
export type HostConfig = z.infer<typeof hostSchema>;

export type FlotillaConfig = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
