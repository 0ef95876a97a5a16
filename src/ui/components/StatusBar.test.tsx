import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { buildKeymap } from '../keys.js';
import { HelpOverlay } from './HelpOverlay.js';
import { StatusBar, barKeys } from './StatusBar.js';

const keymap = buildKeymap();

describe('StatusBar', () => {
  it('lists only the keys that apply: task keys need a selected task', () => {
    const none = render(<StatusBar keymap={keymap} hasTask={false} notice={null} notification={undefined} width={200} />).lastFrame()!;
    expect(none).toContain('n new');
    expect(none).toContain('q/C-c quit');
    expect(none).not.toContain('s start');
    const some = render(<StatusBar keymap={keymap} hasTask notice={null} notification={undefined} width={200} />).lastFrame()!;
    expect(some).toContain('s start');
    expect(some).toContain('Enter attach');
    expect(some).toContain('k/j move');
  });

  it('shows the latest notification, or a newer notice', () => {
    const notification = { id: '1', at: new Date(1000).toISOString(), kind: 'ready' as const, taskId: 'a', message: 'ready for review' };
    expect(render(<StatusBar keymap={keymap} hasTask notice={null} notification={notification} width={200} />).lastFrame()).toContain('a: ready for review');
    const notice = { text: 'started a', tone: 'info' as const, at: 2000 };
    const frame = render(<StatusBar keymap={keymap} hasTask notice={notice} notification={notification} width={200} />).lastFrame()!;
    expect(frame).toContain('started a');
    expect(frame).not.toContain('ready for review');
  });

  it('lists the review keys first while the Reviews panel shows, and not otherwise', () => {
    const fleetKeys = barKeys(keymap, true, false, 300);
    expect(fleetKeys).not.toContain('u useful');
    expect(fleetKeys).toContain('p prompt');
    expect(fleetKeys).toContain('m memory');
    const reviewKeys = render(<StatusBar keymap={keymap} hasTask notice={null} notification={undefined} width={100} reviews />).lastFrame()!;
    expect(reviewKeys).toMatch(/^\? help {2}q\/C-c quit {2}\[\/\] finding {2}u useful {2}o noise {2}D dismiss {2}e detail {2}z folded/);
    expect(barKeys(keymap, true, true, 300)).toContain('Tab panel');
  });

  it('drops the less used keys first when the bar is narrow', () => {
    const narrow = barKeys(keymap, true, false, 120);
    expect(narrow.length).toBeLessThanOrEqual(120);
    expect(narrow).not.toContain('m memory');
    expect(narrow).not.toContain('quit'); // help and quit have their own place, first
    expect(barKeys(keymap, true, false, 300)).toContain('m memory');
  });

  it('? help and q quit stay visible at 100 columns, after a long notice too', () => {
    const plain = render(<StatusBar keymap={keymap} hasTask notice={null} notification={undefined} width={100} />).lastFrame()!;
    expect(plain).toMatch(/^\? help {2}q\/C-c quit {2}/);
    const long = { text: `retrying ${'x'.repeat(150)}`, tone: 'error' as const, at: Date.now() };
    const withNotice = render(<StatusBar keymap={keymap} hasTask notice={long} notification={undefined} width={100} />).lastFrame()!;
    expect(withNotice).toContain('retrying xxx');
    expect(withNotice).toContain('…  ? help  q/C-c quit');
    expect(withNotice.split('\n')[0]!.length).toBeLessThanOrEqual(100);
  });

  it('follows key overrides', () => {
    const custom = buildKeymap({ 'task.start': 'S' });
    expect(render(<StatusBar keymap={custom} hasTask notice={null} notification={undefined} width={200} />).lastFrame()).toContain('S start');
  });
});

describe('HelpOverlay', () => {
  it('lists every command with its keys and the detach key', () => {
    const frame = render(<HelpOverlay keymap={buildKeymap({ 'task.stop': ['x', 'X'] })} detachKey="C-]" width={120} />).lastFrame()!;
    for (const text of ['↑/k', '↓/j', 'Enter', 'x/X', 'stop the selected task', 'Tab', 'q/C-c', '(task.diff)', 'C-]', 'detach', 'Reviews panel', '(task.prompt)', '(review.useful)', '(review.dismiss)', '(app.memory)']) {
      expect(frame).toContain(text);
    }
  });
});

describe('HelpOverlay in a short terminal', () => {
  it('shows what fits, says how to scroll, and scrolls', () => {
    const first = render(<HelpOverlay keymap={keymap} detachKey="C-]" width={80} height={10} />).lastFrame()!;
    expect(first).toMatch(/↑\/↓ scroll, 1-6 of 46/);
    expect(first.split('\n')).toHaveLength(10);
    expect(first).toContain('select the previous task');
    expect(first).not.toContain('detach from an attached agent');
    const end = render(<HelpOverlay keymap={keymap} detachKey="C-]" width={80} height={10} scroll={99} />).lastFrame()!;
    expect(end).toContain('detach from an attached agent');
    expect(end).not.toContain('select the previous task');
  });
});
