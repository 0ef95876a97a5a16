import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ReviewOutputError, parseReviewerOutput } from './parse.js';

const F1 = { file: 'src/a.ts', line: 12, severity: 'major', category: 'logic', message: 'off by one in loop bound' };
const F2 = { file: 'src/b.ts', line: 3, severity: 'nit', category: 'style', message: 'name is unclear' };

describe('parseReviewerOutput', () => {
  it('reads a bare JSON object', () => {
    const r = parseReviewerOutput(JSON.stringify({ findings: [F1, F2] }));
    expect(r.findings).toEqual([F1, F2]);
    expect(r.dropped).toBe(0);
    expect(r.envelope).toBe('none');
  });

  it('reads JSON in a fence after prose, ignoring an earlier draft', () => {
    const out = [
      'I looked at the diff. A first thought: {"findings": []} but then I checked the loop.',
      '',
      'Here is my review:',
      '```json',
      JSON.stringify({ findings: [F1] }, null, 2),
      '```',
      'Let me know if you need more.',
    ].join('\n');
    expect(parseReviewerOutput(out).findings).toEqual([F1]);
  });

  it('reads JSON embedded in prose with braces in strings', () => {
    const f = { ...F1, message: 'use `if (x) { return }` not "}" tricks' };
    const out = `Sure! Result: ${JSON.stringify({ findings: [f] })} -- hope this helps {not json}`;
    expect(parseReviewerOutput(out).findings).toEqual([f]);
  });

  it('repairs trailing commas a model left in its JSON, but not inside strings', () => {
    const out = [
      'Here you go:',
      '```json',
      '{"findings": [',
      '  {"file": "src/a.ts", "line": 12, "severity": "major", "category": "logic", "message": "off by one in loop bound",},',
      '  {"file": "src/b.ts", "line": 3, "severity": "nit", "category": "style", "message": "name is unclear",},',
      ']}',
      '```',
    ].join('\n');
    expect(parseReviewerOutput(out).findings).toEqual([F1, F2]);
    const inString = { ...F1, message: 'keep "a,]" and a,} as written' };
    expect(parseReviewerOutput(`{"findings": [${JSON.stringify(inString)},]}`).findings).toEqual([inString]);
  });

  it('is lenient per finding: drops and counts invalid ones, normalises aliases; an odd line makes a file-level finding, not a dropped one', () => {
    const out = JSON.stringify({
      findings: [
        { path: './src/a.ts', line: '12-14', severity: 'HIGH', type: 'Logic', description: 'bad bound' },
        { file: 'src/c.ts', severity: 'low', message: 'file-level remark' },
        { file: 'src/d.ts', line: 4, severity: 'catastrophic', message: 'unknown severity' },
        { line: 4, severity: 'major', message: 'no file' },
        'not an object',
        { file: 'src/e.ts', line: 'somewhere', severity: 'major', message: 'bad line' },
      ],
    });
    const r = parseReviewerOutput(out);
    expect(r.findings).toEqual([
      { file: 'src/a.ts', line: 12, severity: 'major', category: 'Logic', message: 'bad bound' },
      { file: 'src/c.ts', line: 0, severity: 'nit', category: 'general', message: 'file-level remark' },
      { file: 'src/e.ts', line: 0, severity: 'major', category: 'general', message: 'bad line' },
    ]);
    expect(r.dropped).toBe(3);
  });

  it('unwraps the Claude Code -p --output-format json envelope and its cost', () => {
    const answer = `Reviewed.\n\n\`\`\`json\n${JSON.stringify({ findings: [F1] })}\n\`\`\``;
    const envelope = {
      type: 'result',
      subtype: 'success',
      is_error: false,
      duration_ms: 18234,
      num_turns: 3,
      result: answer,
      session_id: '5b1c6c1e-0000-4000-8000-000000000000',
      total_cost_usd: 0.0734,
      usage: { input_tokens: 1200, cache_creation_input_tokens: 5000, cache_read_input_tokens: 20000, output_tokens: 640 },
      modelUsage: { 'claude-opus-4-1': { inputTokens: 1200, outputTokens: 640, cacheReadInputTokens: 20000, cacheCreationInputTokens: 5000 } },
    };
    const r = parseReviewerOutput(`${JSON.stringify(envelope)}\n`);
    expect(r.envelope).toBe('claude-json');
    expect(r.findings).toEqual([F1]);
    expect(r.usage).toMatchObject({ costUsd: 0.0734, inputTokens: 1200, outputTokens: 640, cacheReadTokens: 20000, cacheWriteTokens: 5000, model: 'claude-opus-4-1' });
  });

  it('reads the usage of real print output the way cost prices it: cached input apart from input', () => {
    // Recorded from the real CLIs against the scripted endpoints (claude 2.1.197, codex 0.171.0).
    const fixture = (name: string) => readFileSync(new URL(`../../../test/fixtures/agents/${name}`, import.meta.url), 'utf8');
    const claude = parseReviewerOutput(fixture('claude-2.1.197-print.json'));
    expect(claude.findings).toEqual([{ file: 'a.ts', line: 3, severity: 'major', category: 'logic', message: 'off by one' }]);
    expect(claude.usage).toEqual({ costUsd: 0.011875, inputTokens: 1200, outputTokens: 80, cacheReadTokens: 4000, cacheWriteTokens: 300, model: 'claude-opus-4-8[1m]' });
    // Codex's input_tokens (1500) include its cached_input_tokens (1000): 500 uncached (was: 1500 and 1000 cached, counted twice).
    const codex = parseReviewerOutput(fixture('codex-0.171.0-exec.jsonl'));
    expect(codex.findings).toHaveLength(1);
    expect(codex.usage).toEqual({ inputTokens: 500, outputTokens: 90, cacheReadTokens: 1000, cacheWriteTokens: 0 });
    // Gemini 0.61's -o json: prompt 2000 includes cached 1500; thoughts (20) are output with the 50 candidates.
    const gemini = parseReviewerOutput(fixture('gemini-0.61.0-print.json'));
    expect(gemini.envelope).toBe('gemini-json');
    expect(gemini.findings).toHaveLength(1);
    expect(gemini.usage).toEqual({ inputTokens: 500, outputTokens: 70, cacheReadTokens: 1500, cacheWriteTokens: 0, model: 'gemini-2.5-pro' });
  });

  it('treats a Claude error envelope as unusable', () => {
    const envelope = { type: 'result', subtype: 'error_max_turns', is_error: true, result: 'Max turns reached' };
    expect(() => parseReviewerOutput(JSON.stringify(envelope))).toThrow(/reported an error: Max turns/);
  });

  it('reads the last agent message of Codex exec --json events', () => {
    const lines = [
      { type: 'thread.started', thread_id: '0199' },
      { type: 'turn.started' },
      { type: 'item.completed', item: { id: 'item_0', type: 'reasoning', text: '**Scanning the diff** {"findings": [1]}' } },
      { type: 'item.completed', item: { id: 'item_1', type: 'command_execution', command: 'bash -lc ls', aggregated_output: 'a\nb', exit_code: 0 } },
      { type: 'item.completed', item: { id: 'item_2', type: 'agent_message', text: JSON.stringify({ findings: [F2] }) } },
      { type: 'turn.completed', usage: { input_tokens: 9000, cached_input_tokens: 4000, output_tokens: 300 } },
    ];
    const r = parseReviewerOutput(lines.map((l) => JSON.stringify(l)).join('\n'));
    expect(r.envelope).toBe('codex-jsonl');
    expect(r.findings).toEqual([F2]);
    expect(r.usage).toMatchObject({ inputTokens: 5000, outputTokens: 300, cacheReadTokens: 4000 });
  });

  it('reads the older Codex event shape (msg.agent_message, task_complete)', () => {
    const lines = [
      '{"id":"0","msg":{"type":"task_started"}}',
      `{"id":"0","msg":{"type":"agent_message","message":${JSON.stringify('```json\n' + JSON.stringify({ findings: [F1] }) + '\n```')}}}`,
      '{"id":"0","msg":{"type":"task_complete","last_agent_message":null}}',
    ];
    expect(parseReviewerOutput(lines.join('\n')).findings).toEqual([F1]);
  });

  it('reads Gemini -p text with noise lines before it, and its JSON envelope', () => {
    const text = `Loaded cached credentials.\nOkay, here are my findings:\n\n${JSON.stringify({ findings: [F2] }, null, 2)}\n`;
    expect(parseReviewerOutput(text).findings).toEqual([F2]);
    const env = { response: `\`\`\`json\n${JSON.stringify({ findings: [F1] })}\n\`\`\``, stats: { models: {} } };
    const r = parseReviewerOutput(JSON.stringify(env));
    expect(r.envelope).toBe('gemini-json');
    expect(r.findings).toEqual([F1]);
  });

  it('accepts an empty findings list', () => {
    expect(parseReviewerOutput('No problems.\n```json\n{ "findings": [] }\n```').findings).toEqual([]);
  });

  it('refuses output with no findings object, naming what it saw', () => {
    expect(() => parseReviewerOutput('')).toThrow(ReviewOutputError);
    expect(() => parseReviewerOutput('The code looks great, no issues!')).toThrow(/no findings JSON in the output: The code looks great/);
    expect(() => parseReviewerOutput('{"result": 42}')).toThrow(ReviewOutputError);
    expect(() => parseReviewerOutput('{"findings": [ {"file": "a" ')).toThrow(ReviewOutputError);
    expect(() => parseReviewerOutput('{"findings": [{"file": "a.ts"}, {"line": 3}]}')).toThrow(/all 2 finding\(s\) in the output are invalid/);
    const codexNoAnswer = ['{"type":"thread.started"}', '{"type":"turn.failed","error":{"message":"rate limited"}}'].join('\n');
    expect(() => parseReviewerOutput(codexNoAnswer)).toThrow(/no agent message/);
  });

  describe('several findings objects in one answer (issue 20 item 6)', () => {
    const CRIT = { file: 'src/a.ts', line: 3, severity: 'critical', category: 'security', message: 'SQL built from user input' };

    it('a quoted {"findings": []} after a critical finding does not erase it', () => {
      const out = `${JSON.stringify({ findings: [CRIT] })}\n\nFor reference, the contract for a clean review is {"findings": []}.`;
      expect(parseReviewerOutput(out).findings).toEqual([CRIT]);
    });

    it('inside the Claude envelope too, and in fences', () => {
      const answer = `\`\`\`json\n${JSON.stringify({ findings: [CRIT] })}\n\`\`\`\nAn empty review would be:\n\`\`\`json\n{"findings": []}\n\`\`\``;
      const r = parseReviewerOutput(JSON.stringify({ type: 'result', subtype: 'success', is_error: false, result: answer }));
      expect(r.findings).toEqual([CRIT]);
    });

    it('disagreeing objects are united, each distinct finding once', () => {
      const out = `draft: ${JSON.stringify({ findings: [F1] })} final: ${JSON.stringify({ findings: [F1, CRIT] })}`;
      expect(parseReviewerOutput(out).findings).toEqual([F1, CRIT]);
    });

    it('a critical finding with a very long message is kept, its message cut for display', () => {
      const long = { ...CRIT, message: `x${'y'.repeat(50_000)}`, file: `src/${'d/'.repeat(2000)}a.ts` };
      const r = parseReviewerOutput(JSON.stringify({ findings: [long] }));
      expect(r.dropped).toBe(0);
      expect(r.findings).toHaveLength(1);
      expect(r.findings[0]!.severity).toBe('critical');
      expect(r.findings[0]!.message.length).toBeLessThan(4100);
      expect(r.findings[0]!.message).toContain('[… cut at 4000 characters]');
    });
  });
});
