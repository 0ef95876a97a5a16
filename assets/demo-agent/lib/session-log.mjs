// Writes the demo agent's transcript in Claude Code's session-log format:
// $CLAUDE_CONFIG_DIR/projects/<cwd with every non-alphanumeric character replaced by '-'>/<session>.jsonl
import { randomBytes, randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export function claudeConfigDir(env = process.env) {
  return env.CLAUDE_CONFIG_DIR || join(homedir(), '.claude');
}

export function projectDirName(cwd) {
  return cwd.replace(/[^a-zA-Z0-9]/g, '-');
}

export function transcriptPathFor(cwd, sessionId, env = process.env) {
  return join(claudeConfigDir(env), 'projects', projectDirName(cwd), `${sessionId}.jsonl`);
}

export class SessionLog {
  constructor(session) {
    this.session = session;
    this.parent = null;
  }

  #append(record) {
    const path = this.session.transcriptPath;
    mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
    appendFileSync(path, `${JSON.stringify(record)}\n`, { mode: 0o600 });
    this.parent = record.uuid;
  }

  #base(type) {
    return {
      parentUuid: this.parent,
      isSidechain: false,
      userType: 'external',
      cwd: this.session.cwd,
      sessionId: this.session.id,
      version: 'demo-agent',
      type,
      uuid: randomUUID(),
      timestamp: new Date().toISOString(),
    };
  }

  user(text) {
    this.#append({ ...this.#base('user'), message: { role: 'user', content: text } });
  }

  /**
   * One assistant message with its usage. Like Claude Code, a message with a text block and a
   * tool-use block is written as two lines sharing message.id and requestId (readers dedupe).
   */
  assistant({ model, text, input, output, cacheRead, cacheWrite }) {
    const id = `msg_demo_${randomBytes(12).toString('hex')}`;
    const requestId = `req_demo_${randomBytes(12).toString('hex')}`;
    const usage = {
      input_tokens: input,
      cache_creation_input_tokens: cacheWrite,
      cache_read_input_tokens: cacheRead,
      output_tokens: output,
      service_tier: 'standard',
    };
    const message = (content, stop) => ({
      id,
      type: 'message',
      role: 'assistant',
      model,
      content,
      stop_reason: stop,
      stop_sequence: null,
      usage,
    });
    this.#append({ ...this.#base('assistant'), requestId, message: message([{ type: 'text', text }], null) });
    this.#append({ ...this.#base('assistant'), requestId, message: message([{ type: 'text', text: '(done)' }], 'end_turn') });
    return { id, requestId };
  }
}
