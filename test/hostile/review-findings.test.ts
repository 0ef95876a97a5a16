/**
 * Reviewer output that tries to slip past the reviews gate, through the real `flotilla review`:
 * a critical finding followed by a quoted `{"findings": []}`, and a critical finding whose message
 * is 50,000 characters. Both must block (exit 3, gate fail), the finding kept.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { scriptedReviewConfig, setupCalcTask } from '../../src/test-support/review-task.js';
import { assertNoControlChars, crashed, runFlotilla, type TempRepo } from './helpers.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

const CRIT = { file: 'src/calc.js', line: 5, severity: 'critical', category: 'security', message: 'divide() trusts its input' };

function reviewerPrinting(text: string) {
  const script = `process.stdout.write(${JSON.stringify(text)})`;
  const { profiles } = scriptedReviewConfig([]);
  return {
    profiles: { ...profiles, 'p-x': { command: [process.execPath, '-e', script, '{promptFile}'] } },
    reviewers: [{ role: 'logic', focus: 'f', profile: 'p-x', model: 'm', blocking: true }],
    forge: 'local',
  };
}

describe('reviewer output cannot pass the reviews gate by quoting an empty review', () => {
  const cases: Array<[string, string, string]> = [
    ['a quoted {"findings": []} after the finding', `${JSON.stringify({ findings: [CRIT] })}\n\nAn empty review looks like {"findings": []}.`, CRIT.message],
    [
      'Claude envelope: finding in one fence, an empty one in the next',
      JSON.stringify({ type: 'result', subtype: 'success', is_error: false, result: `\`\`\`json\n${JSON.stringify({ findings: [CRIT] })}\n\`\`\`\nor, if clean:\n\`\`\`json\n{"findings": []}\n\`\`\`` }),
      CRIT.message,
    ],
    ['a critical finding with a 50,000-character message', JSON.stringify({ findings: [{ ...CRIT, message: `huge ${'x'.repeat(50_000)}` }] }), 'huge x'],
  ];
  for (const [name, output, expectText] of cases) {
    it(name, async () => {
      repo = await setupCalcTask(reviewerPrinting(output));
      const run = await runFlotilla(repo.root, ['review', 'calc', '--json']);
      expect(crashed(run), run.stderr).toBe(false);
      expect(run.code).toBe(3);
      assertNoControlChars(run.stdout, 'review --json');
      const out = JSON.parse(run.stdout);
      expect(out.findings).toHaveLength(1);
      expect(out.findings[0]).toMatchObject({ severity: 'critical', file: 'src/calc.js' });
      expect(out.findings[0].message).toContain(expectText);
      const status = JSON.parse((await runFlotilla(repo.root, ['status', '--json'])).stdout);
      expect(status.tasks[0].review).toMatchObject({ findings: 1 });
    });
  }
});
