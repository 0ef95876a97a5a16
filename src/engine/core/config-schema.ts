import { z } from 'zod';

/**
 * The schema of `.flotilla/config.json`. Every object is strict, so a mistyped key is an error that
 * names the key. Defaults live here; `flotilla init` writes them out in full.
 */

const argv = z.array(z.string()).min(1, 'must be a non-empty array of strings (program and arguments)');
const positiveInt = z.number().int().positive();

export const profileSchema = z.strictObject({
  /** Program and arguments. Placeholders: {prompt}, {promptFile}, {model}. */
  command: argv,
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
      waiting: z.array(z.string()).optional(),
      working: z.array(z.string()).optional(),
      idle: z.array(z.string()).optional(),
      /** The agent retrying a failed API request; groups 1 and 2 are the attempt and the maximum. */
      retrying: z.array(z.string()).optional(),
      contextExhausted: z.array(z.string()).optional(),
    })
    .optional(),
  /** Quiet time after which a session with no output counts as idle. */
  quietMs: positiveInt.optional(),
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

export const checkSchema = z.strictObject({
  name: z.string().min(1),
  command: argv,
  timeoutSec: positiveInt.default(600),
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
    timeoutSec: positiveInt.default(300),
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
  timeoutSec: positiveInt.default(900),
});
export type ReviewerConfig = z.infer<typeof reviewerSchema>;

const priceSchema = z.strictObject({
  input: z.number().nonnegative(),
  output: z.number().nonnegative(),
  cacheWrite: z.number().nonnegative().optional(),
  cacheRead: z.number().nonnegative().optional(),
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
  /** Where attempt worktrees go on the host (absolute path). */
  worktreeRoot: z.string().startsWith('/', 'must be an absolute path').optional(),
  maxAgents: z.number().int().min(1).max(256).default(4),
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
    })
    .default({ copy: ['.env', '.env.*'], setup: [] }),
  profiles: z.record(z.string(), profileSchema).default({}),
  /** Start agents in their attempt worktrees without the CLI's "trust this folder" dialog (profile `trust`). */
  trustWorktrees: z.boolean().default(true),
  forge: z.enum(['auto', 'local', 'github']).default('auto'),
  checks: z.array(checkSchema).default([]),
  gates: z.array(gateSchema).default(['pr', 'rebased', 'ci', 'reviews']),
  stopGate: z
    .strictObject({ enabled: z.boolean().default(false), maxBlocks: positiveInt.default(3) })
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
      intervalSec: positiveInt.default(15),
      /** An agent still alive must stay idle this long before "idle without commits" fails it. */
      idleGraceSec: z.number().int().nonnegative().default(60),
    })
    .default({ intervalSec: 15, idleGraceSec: 60 }),
  limits: z
    .strictObject({
      maxAgents: positiveInt.default(8),
      maxBuilds: positiveInt.default(2),
      /** Memory kept free for the rest of the machine; default max(2048, 15% of total). */
      memReserveMB: positiveInt.optional(),
      staggerMs: z.number().int().nonnegative().default(1000),
      /** Expected peak memory of a job kind never measured before. */
      defaultPeakMB: z
        .strictObject({
          agent: positiveInt.default(1536),
          check: positiveInt.default(1024),
          install: positiveInt.default(1024),
          review: positiveInt.default(1024),
          build: positiveInt.default(1536),
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
      maxAttempts: positiveInt.default(3),
      maxCiRounds: positiveInt.default(2),
      auto: z.array(z.enum(FAILURE_CLASSES)).default(['ci_failed', 'review_flagged', 'conflicts', 'crashed', 'no_progress']),
    })
    .default({
      maxAttempts: 3,
      maxCiRounds: 2,
      auto: ['ci_failed', 'review_flagged', 'conflicts', 'crashed', 'no_progress'],
    }),
  reviewers: z.array(reviewerSchema).optional(),
  prices: z.record(z.string(), modelPriceSchema).default({}),
  logs: z
    .strictObject({ maxBytes: positiveInt.default(5 * 1024 * 1024), keep: positiveInt.default(3) })
    .default({ maxBytes: 5 * 1024 * 1024, keep: 3 }),
  /** Key overrides for the TUI: command id -> key or keys. */
  keys: z.record(z.string(), z.union([z.string(), z.array(z.string())])).default({}),
  /** Key that detaches from an attached agent. */
  detachKey: z.string().default('C-]'),
  /** Remote machines agents can run on, by name (docs/hosts.md). */
  hosts: hostsSchema,
});
export type HostConfig = z.infer<typeof hostSchema>;

export type FlotillaConfig = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
