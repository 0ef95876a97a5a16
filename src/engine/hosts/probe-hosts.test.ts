import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localTransport } from '../exec/index.js';
import { probeHosts, type ProbeTarget } from './probe-hosts.js';
import { controlDir, sshTransport } from './ssh.js';

// A host that accepts the TCP connection and then says nothing (a hung machine, a dead NAT): its
// probe times out on its own while the others answer at once.
describe('probeHosts', () => {
  let server: Server;
  let port: number;
  let state: string;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    state = mkdtempSync(join(tmpdir(), 'fph-'));
    server = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => {
    for (const s of sockets) s.destroy();
    server.close();
    rmSync(state, { recursive: true, force: true });
  });

  it('a stalled host times out alone; the others answer without waiting for it', async () => {
    const request = { programs: ['git'], versions: false, worktrees: [] };
    const stalled: ProbeTarget = {
      name: 'stalled',
      remote: true,
      request,
      transport: sshTransport({ name: 'stalled', config: { ssh: 'u@127.0.0.1', port, maxAgents: 1, maxBuilds: 2, memReserveMB: 0, env: {} }, controlDir: controlDir(state) }),
    };
    const local: ProbeTarget = { name: 'local', remote: false, request, transport: localTransport };
    const done: string[] = [];
    // Each transport notes when its process has ended, so the order of answers can be seen.
    const noting = (t: ProbeTarget): ProbeTarget => ({
      ...t,
      transport: {
        name: t.name,
        start(command) {
          const started = t.transport.start(command);
          void started.exited.then(() => done.push(t.name));
          return started;
        },
      },
    });
    const outcomes = await probeHosts([stalled, local].map(noting), 1500);
    expect(outcomes[0]).toMatchObject({ name: 'stalled', ok: false, fault: 'timeout', message: 'no answer within 1.5 s' });
    expect(outcomes[1]).toMatchObject({ name: 'local', ok: true });
    expect(done).toEqual(['local', 'stalled']);
  });
});
