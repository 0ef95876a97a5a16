#!/usr/bin/env node
// flotilla DEMO AGENT — a scripted stand-in for a coding agent. It calls no model and uses no
// network: it follows `demo:` directives found in its prompt (see docs/demo-agent.md), behaving
// like Claude Code where flotilla can see it (argv, hooks, session-log usage lines, permission
// questions, an idle prompt).
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parseDirectives, withoutDirectives } from './lib/directives.mjs';
import { fail, lineReader, loadSettings, parseArgv } from './lib/io.mjs';
import { fireHook } from './lib/hooks.mjs';
import { SessionLog, transcriptPathFor } from './lib/session-log.mjs';
import { makeUi } from './lib/ui.mjs';

const run = promisify(execFile);
const MAX_STOP_BLOCKS = 3;
const DEFAULT_MODEL = 'claude-sonnet-4-5';

const opts = parseArgv(process.argv.slice(2));
const cwd = process.cwd();
const prompt = opts.prompt.join('\n');
const system = opts.system.join('\n');
const sessionId = opts.sessionId ?? randomUUID();
const session = {
  id: sessionId,
  cwd,
  transcriptPath: transcriptPathFor(cwd, sessionId),
  settings: loadSettings(opts.settings),
  permissionMode: opts.bypass ? 'bypassPermissions' : 'default',
};
const ui = makeUi(opts.print ? process.stderr : process.stdout);
const { c } = ui;
const log = new SessionLog(session);
const stdin = lineReader(process.stdin);
const said = [];
const usages = [];
let fullText = `${prompt}\n${system}`;
let ending = false;

async function end(code, reason) {
  if (ending) return;
  ending = true;
  ui.clearSpinner();
  await Promise.race([fireHook(session, 'SessionEnd', { reason }), new Promise((r) => setTimeout(r, 1500))]);
  process.exit(code);
}

for (const sig of ['SIGTERM', 'SIGHUP', 'SIGINT']) {
  process.on(sig, () => {
    ui.clearSpinner();
    ui.line(c.yellow(`demo agent: ${sig} received, exiting`));
    void end(sig === 'SIGINT' ? 130 : 143, 'other');
  });
}

function safePath(p) {
  const abs = resolve(cwd, p);
  const rel = relative(cwd, abs);
  if (!rel || rel.startsWith('..') || isAbsolute(rel) || rel.split(/[\\/]/)[0] === '.git') return null;
  return abs;
}

async function tool(name, input, action) {
  const toolUseId = `toolu_demo_${randomUUID().replace(/-/g, '').slice(0, 20)}`;
  const pre = await fireHook(session, 'PreToolUse', { tool_name: name, tool_input: input, tool_use_id: toolUseId });
  if (pre.blocked) {
    ui.line(`${c.red('✗')} ${name} blocked by a PreToolUse hook${pre.feedback ? `: ${pre.feedback}` : ''}`);
    return;
  }
  const response = await action();
  await fireHook(session, 'PostToolUse', { tool_name: name, tool_input: input, tool_response: response, tool_use_id: toolUseId });
}

async function askPermission(question) {
  if (opts.bypass) {
    ui.line(`${c.yellow('?')} ${question} ${c.dim('(permissions bypassed: yes)')}`);
    return true;
  }
  await fireHook(session, 'Notification', { message: `Claude needs your permission: ${question}`, notification_type: 'permission_prompt' });
  if (opts.print) {
    ui.line(`${c.yellow('?')} ${question} ${c.dim('(non-interactive: declined)')}`);
    return false;
  }
  ui.box('Permission needed', [question, '', `${c.green('y')}/Enter  yes    ${c.red('n')}  no`], c.yellow);
  ui.line(c.dim('Do you want to proceed? (y/n)'));
  const answer = await stdin.nextKey();
  const yes = answer !== null && ['', 'y', 'yes', '1'].includes(answer.trim().toLowerCase());
  ui.line(yes ? `${c.green('✓')} allowed` : `${c.red('✗')} declined`);
  return yes;
}

/** Runs directives in order; returns an exit code when an `exit` directive ends the session. */
async function execute(directives) {
  let skipNext = null;
  for (const d of directives) {
    if (skipNext) {
      ui.line(c.dim(`  ↷ skipped ${d.verb} (${skipNext})`));
      skipNext = null;
      continue;
    }
    switch (d.verb) {
      case 'invalid':
        ui.line(`${c.yellow('!')} ${d.reason}`);
        break;
      case 'write':
      case 'append': {
        const abs = safePath(d.path);
        if (!abs) {
          ui.line(`${c.red('✗')} refusing to touch ${d.path}: outside the worktree`);
          break;
        }
        const name = d.verb === 'write' ? 'Write' : 'Edit';
        await tool(name, { file_path: abs, content: d.content }, () => {
          mkdirSync(dirname(abs), { recursive: true });
          if (d.verb === 'write') writeFileSync(abs, d.content);
          else appendFileSync(abs, d.content);
          ui.line(`${c.cyan('✎')} ${name} ${c.bold(d.path)} ${c.dim(`(${d.content.length} chars)`)}`);
          return { filePath: abs, success: true };
        });
        break;
      }
      case 'replace': {
        const abs = safePath(d.path);
        if (!abs || !existsSync(abs)) {
          ui.line(`${c.red('✗')} cannot edit ${d.path}: ${abs ? 'no such file' : 'outside the worktree'}`);
          break;
        }
        await tool('Edit', { file_path: abs, old_string: d.from, new_string: d.to }, () => {
          const before = readFileSync(abs, 'utf8');
          if (!before.includes(d.from)) {
            ui.line(`${c.red('✗')} Edit ${d.path}: text to replace not found`);
            return { filePath: abs, success: false };
          }
          writeFileSync(abs, before.replace(d.from, () => d.to));
          ui.line(`${c.cyan('✎')} Edit ${c.bold(d.path)} ${c.dim(`(-${d.from.length} +${d.to.length} chars)`)}`);
          return { filePath: abs, success: true };
        });
        break;
      }
      case 'ask':
        if (!(await askPermission(d.question))) skipNext = 'permission declined';
        break;
      case 'commit': {
        const command = `git add -A && git commit -m ${JSON.stringify(d.message)}`;
        await tool('Bash', { command, description: 'Commit the changes' }, async () => {
          try {
            await run('git', ['add', '-A'], { cwd });
            const { stdout } = await run('git', ['commit', '-q', '-m', d.message], { cwd });
            ui.line(`${c.green('●')} committed: ${c.bold(d.message)}`);
            return { stdout, stderr: '', interrupted: false };
          } catch (err) {
            const msg = `${err.stdout ?? ''}${err.stderr ?? ''}`.trim() || err.message;
            ui.line(`${c.yellow('!')} git commit: ${msg.split('\n')[0]}`);
            return { stdout: '', stderr: msg, interrupted: false };
          }
        });
        break;
      }
      case 'fail-unless':
        if (withoutDirectives(fullText).includes(d.text)) ui.line(`${c.green('✓')} found the hint ${c.dim(JSON.stringify(d.text))}`);
        else {
          ui.line(`${c.red('✗')} cannot work out the fix: no hint ${c.dim(JSON.stringify(d.text))} in the prompt`);
          skipNext = 'no hint';
        }
        break;
      case 'say':
        said.push(d.text);
        ui.line(`${c.blue('●')} ${d.text}`);
        break;
      case 'sleep':
        await ui.spin(d.label, d.ms);
        break;
      case 'exit':
        return d.code;
      case 'idle':
        break;
      case 'usage':
        recordUsage(d);
        break;
    }
  }
  return null;
}

function recordUsage(u) {
  const model = u.model || opts.model || DEFAULT_MODEL;
  const rec = { model, input: u.input, output: u.output, cacheRead: u.cacheRead, cacheWrite: u.cacheWrite, cost: u.cost ?? null };
  log.assistant({ ...rec, text: said.at(-1) ?? 'Working on it.' });
  usages.push(rec);
  ui.line(c.dim(`  usage ${model}: ${rec.input} in · ${rec.output} out · ${rec.cacheRead} cache read · ${rec.cacheWrite} cache write`));
}

async function turn(text, directives) {
  const submit = await fireHook(session, 'UserPromptSubmit', { prompt: text });
  if (submit.blocked) {
    ui.line(`${c.red('✗')} prompt blocked by a UserPromptSubmit hook${submit.feedback ? `: ${submit.feedback}` : ''}`);
    return null;
  }
  log.user(text);
  const before = usages.length;
  let code = await execute(directives);
  if (usages.length === before) {
    const actions = directives.filter((d) => !['say', 'sleep', 'idle', 'invalid'].includes(d.verb)).length;
    recordUsage({ input: 1000 + Math.ceil(text.length / 4), output: 150 + 100 * actions, cacheRead: 0, cacheWrite: 0 });
  }
  for (let blocks = 0; code === null; blocks++) {
    const stop = await fireHook(session, 'Stop', { stop_hook_active: blocks > 0 });
    if (!stop.blocked) break;
    ui.box('Stop hook feedback', (stop.feedback || '(no reason given)').split('\n'), c.yellow);
    if (blocks + 1 >= MAX_STOP_BLOCKS) {
      ui.line(c.yellow(`demo agent: stopping after ${MAX_STOP_BLOCKS} blocked stops`));
      break;
    }
    fullText += `\n${stop.feedback}`;
    await ui.spin('Addressing the feedback', 300);
    code = await execute(parseDirectives(stop.feedback));
  }
  return code;
}

async function main() {
  ui.box('flotilla demo agent', [
    `${c.dim('scripted stand-in for a coding agent · no model · no network')}`,
    `cwd      ${cwd}`,
    `session  ${sessionId}`,
    `model    ${opts.model || DEFAULT_MODEL} ${c.dim('(pretend)')}`,
  ]);
  await fireHook(session, 'SessionStart', { source: 'startup' });
  if (!prompt.trim() && opts.print && !process.stdin.isTTY) {
    const parts = [];
    for (let l = await stdin.next(); l !== null; l = await stdin.next()) parts.push(l);
    fullText = `${parts.join('\n')}\n${system}`;
  }
  const first = fullText.slice(0, fullText.length - system.length - 1);
  if (first.trim()) {
    ui.line(`${c.magenta('>')} ${first.split('\n')[0].slice(0, 100)}`);
    const code = await turn(first, parseDirectives(first));
    if (code !== null) return end(code, 'other');
  }
  if (opts.print) {
    printResult();
    return end(0, 'other');
  }
  for (;;) {
    ui.line(`${c.green('✓')} ${c.bold('Done.')} ${c.dim('Waiting for input (type demo: directives, /exit to quit)')}`);
    ui.line(c.dim('>'));
    const line = await stdin.next();
    if (line === null || ['/exit', '/quit', 'exit'].includes(line.trim())) return end(0, 'prompt_input_exit');
    if (!line.trim()) continue;
    fullText += `\n${line}`;
    const directives = parseDirectives(line);
    if (!directives.length) said.push('(demo agent) I only follow `demo:` directives.');
    if (!directives.length) ui.line(`${c.blue('●')} ${said.at(-1)}`);
    const code = await turn(line, directives);
    if (code !== null) return end(code, 'other');
  }
}

function printResult() {
  const sum = (k) => usages.reduce((s, u) => s + u[k], 0);
  const costs = usages.map((u) => u.cost).filter((x) => x !== null);
  const text = said.join('\n');
  if (opts.format !== 'json') {
    process.stdout.write(`${text}\n`);
    return;
  }
  const result = {
    type: 'result',
    subtype: 'success',
    is_error: false,
    num_turns: 1,
    result: text,
    session_id: sessionId,
    usage: {
      input_tokens: sum('input'),
      cache_creation_input_tokens: sum('cacheWrite'),
      cache_read_input_tokens: sum('cacheRead'),
      output_tokens: sum('output'),
    },
    modelUsage: Object.fromEntries(
      [...new Set(usages.map((u) => u.model))].map((m) => {
        const mine = usages.filter((u) => u.model === m);
        const s = (k) => mine.reduce((t, u) => t + u[k], 0);
        return [m, { inputTokens: s('input'), outputTokens: s('output'), cacheReadInputTokens: s('cacheRead'), cacheCreationInputTokens: s('cacheWrite') }];
      }),
    ),
  };
  if (costs.length) result.total_cost_usd = costs.reduce((a, b) => a + b, 0);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (!existsSync(cwd)) fail(`working folder ${cwd} does not exist`);
main().catch((err) => {
  ui.clearSpinner();
  process.stderr.write(`demo-agent: ${err.stack ?? err}\n`);
  void end(1, 'other');
});
