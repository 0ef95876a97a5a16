import { afterEach, describe, expect, it } from 'vitest';
import { addRunningTask, makeFleetFixture, readTask, type FleetFixture } from '../../test-support/fleet-fixture.js';
import { notifyOnce, terminalAlert } from './notify.js';

let fx: FleetFixture | undefined;
afterEach(async () => {
  await fx?.cleanup();
  fx = undefined;
});

describe('notifyOnce', () => {
  it('sends each event once per task and attempt, even when called concurrently', async () => {
    fx = await makeFleetFixture({ notify: { desktop: false } });
    await addRunningTask(fx.fleet, 'n');
    const kinds: string[] = [];
    fx.fleet.events.on((e) => e.type === 'notification' && kinds.push(e.notification.kind));
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => notifyOnce(fx!.fleet, 'n', 'escalated', 1, 'gave up after 3 attempts')));
    expect(outcomes.filter((o) => o.sent)).toHaveLength(1);
    expect((await notifyOnce(fx.fleet, 'n', 'escalated', 2, 'again')).sent).toBe(true);
    expect((await notifyOnce(fx.fleet, 'n', 'ready', 1, 'ok')).sent).toBe(true);
    expect(kinds).toEqual(['escalated', 'escalated', 'ready']);
    expect(Object.keys((await readTask(fx.fleet, 'n')).notified).sort()).toEqual(['escalated#1', 'escalated#2', 'ready#1']);
    expect(fx.fleet.store.getState().notifications.map((n) => n.message)).toContain('n needs you (escalated): gave up after 3 attempts');
  });

  it('a failing notify.command is reported; the event still counts as sent', async () => {
    fx = await makeFleetFixture({ notify: { desktop: false, command: ['flotilla-no-such-notifier'] } });
    await addRunningTask(fx.fleet, 'm');
    const first = await notifyOnce(fx.fleet, 'm', 'ready', 1, 'done');
    expect(first.errors).toEqual(['notify.command flotilla-no-such-notifier not found:']);
    expect((await notifyOnce(fx.fleet, 'm', 'ready', 1, 'done')).sent).toBe(false);
  });

  it('terminal alert: bell, OSC 9 and OSC 777 with control characters stripped', () => {
    // The outside OSC is removed whole (was: its ESC and BEL blanked, its text kept).
    expect(terminalAlert({ taskId: 't', message: 'ready\x1b]0;evil\x07' }, true)).toBe('\x07\x1b]9;ready\x07\x1b]777;notify;flotilla: t;ready\x07');
    // C1 string terminators and introducers other than 0x9b/0x9c (was: passed through), and a long message is capped.
    const alert = terminalAlert({ taskId: 't\u009d0;x', message: `a\u009dtitle\u0007b\u0090q\u009c${'z'.repeat(500)}` }, false);
    expect(alert.replace(/\x1b\](9|777);/g, '').replace(/\x07/g, '')).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(alert.length).toBeLessThan(500);
  });
});
