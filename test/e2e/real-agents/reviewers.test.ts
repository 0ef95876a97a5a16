import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ReviewRecord } from '../../../src/engine/index.js';
import { messageRequests, messageTexts, startAnthropicEndpoint } from '../../../src/test-support/anthropic-endpoint.js';
import { contentTexts, generateRequests, geminiEndpointEnv, geminiHome, startGeminiEndpoint } from '../../../src/test-support/gemini-endpoint.js';
import type { EndpointHandle } from '../../../src/test-support/model-endpoint.js';
import { codexProviderToml, responsesRequests, startOpenAIEndpoint } from '../../../src/test-support/openai-endpoint.js';
import { AGENTS_BIN, claudeConfigDir, claudeEndpointEnv, realAgent } from '../../../src/test-support/real-agents.js';
import { setupCalcTask } from '../../../src/test-support/review-task.js';
import { runCli, type TempRepo } from '../../../src/test-support/temp-repo.js';

/**
 * `flotilla review` with its default reviewers run non-interactively through the real CLIs
 * (`claude -p`, `codex exec`, `gemini -p`, pinned by .ci/install-agents and found on PATH as a user
 * has them), each CLI's model being a scripted endpoint on 127.0.0.1 that answers with a findings
 * JSON text. One repository, one run of the three.
 */
const ALL = [realAgent('claude'), realAgent('codex'), realAgent('gemini')].every(Boolean);

const finding = (file: string, line: number, severity: string, category: string, message: string) => ({ file, line, severity, category, message });
const DIVIDE = finding('src/calc.js', 5, 'major', 'logic', 'divide() returns Infinity when b is 0; check b and throw.');
const answer = (...findings: object[]) => `Reviewed the diff.\n\n\`\`\`json\n${JSON.stringify({ findings })}\n\`\`\``;

let repo: TempRepo | null = null;
const endpoints: EndpointHandle[] = [];
let codexHome = '';
afterAll(async () => {
  repo?.cleanup();
  await Promise.all(endpoints.map((e) => e.close()));
  // Codex 0.171 may leave its app-server daemon (its own process group) behind: end this test's.
  if (codexHome) {
    for (const line of execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).split('\n')) {
      const m = /^\s*(\d+)\s+(.*)$/.exec(line);
      if (m && m[2]!.includes(codexHome)) {
        try {
          process.kill(Number(m[1]), 'SIGTERM');
        } catch {
          // gone
        }
      }
    }
  }
});

describe.skipIf(!ALL)('reviewers through the real Claude Code, Codex and Gemini CLIs', () => {
  it('runs the three default roles, shows each reviewer’s progress, parses their findings (agreement across CLIs); a failed try quotes Claude’s own error, an answer off the contract is one line naming Codex', async () => {
    // Claude's first try is refused (401): the reviewer fails with Claude's words and is tried again.
    const anthropic = await startAnthropicEndpoint({ turns: [{ error: 401 }, { text: answer(DIVIDE) }] });
    // Codex's first answer is not the contract: one line naming the CLI and what was wrong, then a retry.
    const openai = await startOpenAIEndpoint({
      turns: [{ text: 'Looks fine to me overall, nothing to report in JSON.' }, { text: answer({ ...DIVIDE, severity: 'critical', message: 'Division by zero is not handled.' }) }],
    });
    const gemini = await startGeminiEndpoint({ turns: [{ text: answer(finding('src/calc.js', 9, 'nit', 'conventions', 'mul() keeps a needless temporary.')) }] });
    endpoints.push(anthropic, openai, gemini);

    const r = (repo = await setupCalcTask({}));
    const claudeDir = claudeConfigDir(join(r.dir, 'claude-config'));
    codexHome = join(r.dir, 'codex-home');
    mkdirSync(codexHome, { recursive: true, mode: 0o700 });
    writeFileSync(join(codexHome, 'config.toml'), codexProviderToml(openai.url));
    const home = geminiHome(join(r.dir, 'gemini-home'));
    // No "reviewers": the default roles of the CLIs installed here; the profiles only add environment.
    writeFileSync(
      join(r.root, '.flotilla', 'config.json'),
      JSON.stringify({
        worktreeRoot: r.worktreeRoot,
        profiles: {
          // No retry of a refused request inside one run (Claude Code retries a 401 with an API key).
          claude: { env: { ...claudeEndpointEnv(anthropic.url, claudeDir), CLAUDE_CODE_MAX_RETRIES: '0' } },
          codex: { env: { CODEX_HOME: codexHome, SCRIPTED_API_KEY: 'sk-scripted' } },
          gemini: { env: geminiEndpointEnv(gemini.url, home) },
        },
      }),
    );

    const run = await runCli(r.root, ['review', 'calc', '--json'], { PATH: `${AGENTS_BIN}:${process.env.PATH}` });
    // Exit 3: the reviews gate fails on the agreed critical finding (a human or a retry must act).
    expect(run.code, run.stderr).toBe(3);
    const out = JSON.parse(run.stdout) as { findings: Array<{ file: string; line: number; severity: string; reviewers: string[]; agreed: boolean }>; errors: unknown[] };
    const tasks = JSON.parse(readFileSync(join(r.root, '.flotilla', 'tasks.json'), 'utf8')) as { tasks: Array<{ id: string; review: ReviewRecord }> };
    const review = tasks.tasks.find((x) => x.id === 'calc')!.review;

    // Progress per reviewer on stderr while it ran; Claude's failed try quoted in its own words.
    const progress = run.stderr.split('\n').filter((l) => l.startsWith('review: '));
    for (const who of ['logic (claude opus)', 'security-performance (codex)', 'conventions (gemini)']) {
      expect(progress.some((l) => l.startsWith(`review: ${who}`) && l.endsWith(' started')), run.stderr).toBe(true);
      expect(progress.some((l) => l.startsWith(`review: ${who}`) && / done in \d+s, 1 finding\(s\)$/.test(l)), run.stderr).toBe(true);
    }
    const failed = progress.find((l) => l.startsWith('review: logic (claude opus)') && l.includes(' failed after '));
    expect(failed, run.stderr).toMatch(/claude exited 1: .*(Invalid API key|401)/);
    expect(failed).not.toMatch(/exited 1$/);
    const garbled = progress.find((l) => l.startsWith('review: security-performance (codex)') && l.includes(' failed after '));
    expect(garbled, run.stderr).toMatch(/failed after \d+s: codex: no findings JSON in the agent's last message: Looks fine to me overall/);

    // Every role gave findings; the two CLIs that saw the division by zero agree on it.
    expect(review.succeeded.sort()).toEqual(['conventions', 'logic', 'security-performance']);
    expect(out.errors).toEqual([]);
    const agreed = out.findings.find((f) => f.file === 'src/calc.js' && f.line === 5);
    expect(agreed?.reviewers.sort()).toEqual(['logic', 'security-performance']);
    expect(agreed).toMatchObject({ agreed: true, severity: 'critical' });
    expect(out.findings.find((f) => f.line === 9)).toMatchObject({ reviewers: ['conventions'], severity: 'nit', agreed: false });
    const claudeRuns = review.runs.filter((x) => x.role === 'logic');
    expect(claudeRuns.map((x) => [x.try, x.ok])).toEqual([[1, false], [2, true]]);
    expect(claudeRuns[0]!.error).toMatch(/Invalid API key|401/);

    // Each CLI sent the review prompt (the diff and the findings contract) to its endpoint.
    const sent = [
      messageRequests(anthropic).map((q) => messageTexts(q.body).join('\n')),
      responsesRequests(openai).map((q) => JSON.stringify(q.body)),
      generateRequests(gemini).map((q) => contentTexts(q.body).join('\n')),
    ];
    for (const texts of sent) expect(texts.some((t) => t.includes('return a / b') && t.includes('findings'))).toBe(true);
  }, 150_000);
});
