import { open, readdir } from 'node:fs/promises';
import { openNoFollow } from '../core/index.js';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/index.js';
import { newCodexContext, newGeminiContext, parseClaudeLine, parseCodexLine, parseGeminiLine } from '../agents/index.js';
import { readLinesFrom } from './line-reader.js';
import { isLongRequest } from './prices.js';
import type { CodexFileContext, CostState, FileState, UsageBucket, UsageRecord } from './types.js';

export function emptyCostState(): CostState {
  return { version: 1, files: {}, buckets: [], reviews: {}, malformed: 0 };
}

/**
 * Reads the state file; a missing or unreadable one, or a link planted in its place, is an empty
 * state (logs are read again; the save replaces the link, never writes through it).
 */
export async function loadCostState(file: string): Promise<CostState> {
  try {
    const handle = await openNoFollow(file, 'r');
    let text: string;
    try {
      text = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
    const raw = JSON.parse(text) as CostState;
    if (raw && raw.version === 1 && raw.files && Array.isArray(raw.buckets) && raw.reviews) {
      return {
        ...raw,
        malformed: typeof raw.malformed === 'number' ? raw.malformed : 0,
        absurdFiles: Array.isArray(raw.absurdFiles) ? raw.absurdFiles.filter((f): f is string => typeof f === 'string').slice(0, 20) : [],
      };
    }
  } catch {
    // fall through: start over
  }
  return emptyCostState();
}

export async function saveCostState(file: string, state: CostState): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(state));
}

/** Every `*.jsonl` under `dir` (missing folders give nothing), at most `depth` levels down. */
export async function listJsonl(dir: string, depth: number, filter: (name: string) => boolean = () => true): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory() && depth > 0) out.push(...(await listJsonl(path, depth - 1, filter)));
    else if (e.isFile() && e.name.endsWith('.jsonl') && filter(e.name)) out.push(path);
  }
  return out.sort();
}

/** The first line of a file (up to `max` bytes), or null. */
async function firstLine(file: string, max = 4 << 20): Promise<string | null> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch {
    return null;
  }
  try {
    const chunks: Buffer[] = [];
    let pos = 0;
    const buf = Buffer.allocUnsafe(64 * 1024);
    while (pos < max) {
      const { bytesRead } = await handle.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) return null;
      const nl = buf.subarray(0, bytesRead).indexOf(10);
      if (nl >= 0) {
        chunks.push(Buffer.from(buf.subarray(0, nl)));
        return Buffer.concat(chunks).toString('utf8');
      }
      chunks.push(Buffer.from(buf.subarray(0, bytesRead)));
      pos += bytesRead;
    }
    return null;
  } finally {
    await handle.close();
  }
}

/**
 * The usage ledger: offsets per file, Claude dedupe keys, and usage summed per file, model, cwd,
 * session and tier. Reading a file again only reads what was appended since.
 */
export class UsageLedger {
  private readonly keyOwner = new Map<string, string>();
  private readonly bucketIndex = new Map<string, UsageBucket>();
  changed = false;

  constructor(readonly state: CostState) {
    for (const [file, fs] of Object.entries(state.files)) for (const k of fs.keys ?? []) this.keyOwner.set(k, file);
    for (const b of state.buckets) this.bucketIndex.set(this.bucketKey(b.file, b), b);
  }

  private bucketKey(file: string, r: Pick<UsageRecord, 'model' | 'cwd' | 'sessionId'> & { long: boolean }): string {
    return `${file}\0${r.model}\0${r.long ? 1 : 0}\0${r.cwd ?? ''}\0${r.sessionId ?? ''}`;
  }

  private add(file: string, rec: UsageRecord): void {
    const long = isLongRequest(rec);
    const key = this.bucketKey(file, { ...rec, long });
    let b = this.bucketIndex.get(key);
    if (!b) {
      b = {
        file,
        source: rec.source,
        cwd: rec.cwd,
        sessionId: rec.sessionId,
        model: rec.model,
        long,
        requests: 0,
        input: 0,
        output: 0,
        cacheRead: 0,
        cacheWrite: 0,
        cacheWrite1h: 0,
        first: rec.at,
        last: rec.at,
      };
      this.bucketIndex.set(key, b);
      this.state.buckets.push(b);
    }
    b.requests += 1;
    b.input += rec.input;
    b.output += rec.output;
    b.cacheRead += rec.cacheRead;
    b.cacheWrite += rec.cacheWrite;
    b.cacheWrite1h += rec.cacheWrite1h;
    if (rec.at && (!b.first || rec.at < b.first)) b.first = rec.at;
    if (rec.at && (!b.last || rec.at > b.last)) b.last = rec.at;
    this.changed = true;
  }

  /** Forgets a file that was replaced or truncated, so it is read again from the start. */
  private reset(file: string): void {
    const fs = this.state.files[file];
    for (const k of fs?.keys ?? []) if (this.keyOwner.get(k) === file) this.keyOwner.delete(k);
    this.state.buckets = this.state.buckets.filter((b) => b.file !== file);
    for (const [k, b] of this.bucketIndex) if (b.file === file) this.bucketIndex.delete(k);
    delete this.state.files[file];
    this.changed = true;
  }

  private fileState(file: string, source: FileState['source']): FileState {
    let fs = this.state.files[file];
    if (!fs) {
      fs = { source, offset: 0, ...(source === 'claude' ? { keys: [] } : source === 'gemini' ? { keys: [], gemini: newGeminiContext() } : { codex: newCodexContext() }) };
      this.state.files[file] = fs;
    }
    return fs;
  }

  /**
   * Reads the lines `file` gained since its offset; a file that shrank (replaced or truncated) is
   * forgotten and read once more from the start.
   */
  private async readGrowth(file: string, source: FileState['source'], onLine: (line: string, fs: FileState) => void): Promise<void> {
    for (let pass = 0; pass < 2; pass++) {
      const fs = this.fileState(file, source);
      const result = await readLinesFrom(file, fs.offset, (line) => onLine(line, fs));
      if (result.shrunk) {
        this.reset(file);
        continue;
      }
      if (result.offset !== fs.offset) this.changed = true;
      fs.offset = result.offset;
      return;
    }
  }

  private countMalformed(): void {
    this.state.malformed += 1;
    this.changed = true;
  }

  /** A line refused for impossible usage numbers: counted as malformed, and its file named once. */
  private refuseAbsurd(file: string): void {
    this.countMalformed();
    const files = (this.state.absurdFiles ??= []);
    if (!files.includes(file) && files.length < 20) files.push(file);
  }

  /** Reads what a Claude Code session log gained since last time. */
  async readClaude(file: string): Promise<void> {
    await this.readGrowth(file, 'claude', (line, fs) => {
      const { result: rec, key } = parseClaudeLine(line);
      if (rec === 'malformed') return this.countMalformed();
      if (rec === 'absurd') return this.refuseAbsurd(file);
      if (!rec || rec.input + rec.output + rec.cacheRead + rec.cacheWrite + rec.cacheWrite1h === 0) return;
      if (key) {
        if (this.keyOwner.has(key)) return;
        this.keyOwner.set(key, file);
        (fs.keys ??= []).push(key);
      }
      this.add(file, rec);
    });
  }

  /**
   * Reads what a Codex rollout gained. A rollout whose session cwd is not wanted (no attempt
   * worktree) is only looked at once (its first record) until a worktree with that cwd appears.
   */
  async readCodex(file: string, wanted: (cwd: string) => boolean): Promise<void> {
    const known = this.state.files[file];
    if (!known || known.offset === 0) {
      const ctx: CodexFileContext = known?.codex?.cwd ? known.codex : newCodexContext();
      if (!ctx.cwd) {
        const head = await firstLine(file);
        if (head === null) return; // empty or still being written
        parseCodexLine(head, ctx);
      }
      if (ctx.cwd && !wanted(ctx.cwd)) {
        if (!known) {
          this.state.files[file] = { source: 'codex', offset: 0, codex: { ...ctx, total: null, model: null } };
          this.changed = true;
        }
        return;
      }
      this.state.files[file] = { source: 'codex', offset: 0, codex: newCodexContext() };
    }
    await this.readGrowth(file, 'codex', (line, fs) => {
      const rec = parseCodexLine(line, (fs.codex ??= newCodexContext()));
      if (rec === 'malformed') return this.countMalformed();
      if (rec === 'absurd') return this.refuseAbsurd(file);
      if (rec && rec.input + rec.output + rec.cacheRead > 0) this.add(file, rec);
    });
  }

  /**
   * Reads what a Gemini CLI session log gained. `cwdOf(projectHash)` names the attempt worktree a
   * session's project hash belongs to (null: not flotilla's); a file of another project is only
   * looked at once (its first line) until a worktree with that hash appears.
   */
  async readGemini(file: string, cwdOf: (projectHash: string) => string | null): Promise<void> {
    const known = this.state.files[file];
    if (!known || known.offset === 0) {
      const ctx = known?.gemini?.projectHash ? known.gemini : newGeminiContext();
      if (!ctx.projectHash) {
        const head = await firstLine(file);
        if (head === null) return; // empty or still being written
        parseGeminiLine(head, ctx);
      }
      if (!ctx.projectHash || !cwdOf(ctx.projectHash)) {
        if (!known) {
          this.state.files[file] = { source: 'gemini', offset: 0, gemini: ctx };
          this.changed = true;
        }
        return;
      }
      this.state.files[file] = { source: 'gemini', offset: 0, keys: [], gemini: newGeminiContext() };
    }
    await this.readGrowth(file, 'gemini', (line, fs) => {
      const ctx = (fs.gemini ??= newGeminiContext());
      const { result: rec, key } = parseGeminiLine(line, ctx);
      if (rec === 'malformed') return this.countMalformed();
      if (rec === 'absurd') return this.refuseAbsurd(file);
      if (!rec || rec.input + rec.output + rec.cacheRead === 0) return;
      if (key) {
        if (this.keyOwner.has(key)) return;
        this.keyOwner.set(key, file);
        (fs.keys ??= []).push(key);
      }
      this.add(file, { ...rec, cwd: ctx.projectHash ? cwdOf(ctx.projectHash) : null });
    });
  }
}
