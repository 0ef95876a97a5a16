// Command line, settings and stdin lines for the demo agent.
import { readFileSync } from 'node:fs';

export function fail(message) {
  process.stderr.write(`demo-agent: ${message}\n`);
  process.exit(2);
}

/** Claude Code options that take a value; accepted and ignored (their value is not the prompt). */
const IGNORED_WITH_VALUE = new Set([
  '--allowedTools', '--allowed-tools', '--disallowedTools', '--disallowed-tools', '--mcp-config', '--add-dir',
  '--resume', '-r', '--fallback-model', '--agents', '--setting-sources', '--input-format', '--max-turns',
  '--permission-prompt-tool', '--plugin-dir', '--betas', '--tools', '--agent', '--json-schema',
]);

export function parseArgv(argv) {
  const o = { prompt: [], system: [], settings: null, model: null, print: false, format: 'text', sessionId: null, bypass: false };
  const value = (i, flag) => (i + 1 < argv.length ? argv[i + 1] : fail(`${flag} needs a value`));
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--settings') o.settings = value(i++, a);
    else if (a === '--model') o.model = value(i++, a);
    else if (a === '--append-system-prompt' || a === '--system-prompt') o.system.push(value(i++, a));
    else if (a === '--prompt-file') o.prompt.push(readText(value(i++, a)));
    else if (a === '--session-id') o.sessionId = value(i++, a);
    else if (a === '--output-format') o.format = value(i++, a);
    else if (a === '--permission-mode') o.bypass = ['bypassPermissions', 'acceptEdits'].includes(value(i++, a));
    else if (a === '--dangerously-skip-permissions') o.bypass = true;
    else if (a === '-p' || a === '--print') o.print = true;
    else if (a === '--') o.prompt.push(...argv.slice(i + 1)), (i = argv.length);
    else if (IGNORED_WITH_VALUE.has(a)) i++;
    else if (a.startsWith('--') && a.includes('=')) continue; // --flag=value of Claude Code we do not model
    else if (a.startsWith('-') && a.length > 1) continue; // other Claude Code switches: accepted, ignored
    else o.prompt.push(a);
  }
  return o;
}

export function readText(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    return fail(`cannot read ${file}: ${err.message}`);
  }
}

export function loadSettings(arg) {
  if (!arg) return {};
  const text = arg.trim().startsWith('{') ? arg : readText(arg);
  try {
    return JSON.parse(text);
  } catch (err) {
    return fail(`--settings is not valid JSON: ${err.message}`);
  }
}

/** Lines typed on stdin, one at a time (null at end of input). */
export function lineReader(stream) {
  let buffer = '';
  let ended = false;
  const lines = [];
  const waiters = [];
  const flush = () => {
    while (waiters.length && (lines.length || ended)) waiters.shift()(lines.length ? lines.shift() : null);
  };
  let started = false;
  let keyWaiter = null;
  let swallowNewlineUntil = 0;
  const start = () => {
      if (!started) {
        started = true;
        stream.setEncoding('utf8');
        stream.on('data', (d) => {
          if (keyWaiter) {
            // One keystroke answers (as an interactive agent's menu does); the rest of the chunk goes.
            const w = keyWaiter;
            keyWaiter = null;
            const ch = d[0];
            swallowNewlineUntil = Date.now() + 300;
            w(ch === '\r' || ch === '\n' ? '' : ch);
            return;
          }
          if (Date.now() < swallowNewlineUntil && /^(\r\n|\r|\n)$/.test(d)) return;
          buffer += d;
          const parts = buffer.split(/\r\n|\r|\n/);
          buffer = parts.pop();
          lines.push(...parts);
          flush();
        });
        stream.on('end', () => {
          if (buffer) lines.push(buffer);
          buffer = '';
          ended = true;
          flush();
        });
        stream.resume();
      }
  };
  return {
    next() {
      start();
      return new Promise((res) => {
        waiters.push(res);
        flush();
      });
    },
    /** One keystroke on a terminal (Enter is ''), a whole line otherwise. */
    nextKey() {
      if (!stream.isTTY || typeof stream.setRawMode !== 'function') return this.next();
      start();
      if (lines.length) return Promise.resolve(lines.shift());
      if (buffer) {
        const ch = buffer[0];
        buffer = '';
        return Promise.resolve(ch);
      }
      stream.setRawMode(true);
      return new Promise((res) => {
        keyWaiter = (ch) => {
          stream.setRawMode(false);
          res(ch);
        };
      });
    },
  };
}
