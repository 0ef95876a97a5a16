/**
 * The demo's tasks, written for the scripted demo agent (docs/demo-agent.md): each prompt is a
 * brief a human would write plus `demo:` directives saying what the scripted agent does.
 * Four stories: one goes clean to ready; one fails CI and is recovered by an enriched retry; two
 * edit the same line, so once the first is merged the other conflicts with base, is retried, and
 * escalates to the human.
 */
export interface DemoTask {
  id: string;
  title: string;
  tags: string[];
  prompt: string;
}

const q = (s: string) => JSON.stringify(s);

const WORDS_SRC = `/** Number of words in a text. */
export function wordCount(text) {
  return text.trim() === '' ? 0 : text.trim().split(' ').length;
}
`;
const WORDS_TEST = `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { wordCount } from '../src/words.js';

test('wordCount counts words', () => {
  assert.equal(wordCount('a fleet of agents'), 4);
});

test('wordCount of an empty text is 0', () => {
  assert.equal(wordCount('   '), 0);
});
`;

const TRUNCATE_SRC = `/** At most max characters; a cut text ends in an ellipsis. */
export function truncate(text, max) {
  return text.length <= max ? text : text.slice(0, max) + '…';
}
`;
const TRUNCATE_TEST = `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { truncate } from '../src/truncate.js';

test('truncate keeps short text', () => {
  assert.equal(truncate('fleet', 10), 'fleet');
});

test('truncate cuts to max characters', () => {
  assert.equal(truncate('flotilla fleet', 8).length, 8);
});
`;

export const DEMO_TASKS: readonly DemoTask[] = [
  {
    id: 'word-count',
    title: 'Add wordCount()',
    tags: ['text'],
    prompt: `Add wordCount(text) in src/words.js with tests in test/words.test.js.
demo: sleep 1500 Reading the project
demo: write src/words.js ${q(WORDS_SRC)}
demo: write test/words.test.js ${q(WORDS_TEST)}
demo: sleep 800 Running the tests
demo: ask "Allow running git commit?"
demo: commit "Add wordCount()"
demo: usage model=claude-sonnet-4-5 input=14000 output=2100 cacheRead=42000 cacheWrite=6000`,
  },
  {
    id: 'truncate',
    title: 'Add truncate()',
    tags: ['text'],
    prompt: `Add truncate(text, max) in src/truncate.js: texts longer than max end in "…" and are exactly max characters long. Tests in test/truncate.test.js.
demo: sleep 1200 Reading the project
demo: write src/truncate.js ${q(TRUNCATE_SRC)}
demo: write test/truncate.test.js ${q(TRUNCATE_TEST)}
demo: usage model=claude-sonnet-4-5 input=9000 output=1400 cacheRead=30000 cacheWrite=4000
demo: fail-unless "truncate cuts to max characters"
demo: replace src/truncate.js "text.slice(0, max) +" "text.slice(0, max - 1) +"
demo: commit "Add truncate()"`,
  },
  {
    id: 'separator-dot',
    title: 'Use dots as the separator',
    tags: ['config'],
    prompt: `Change the default separator in src/config.js to a dot.
demo: sleep 1000 Reading src/config.js
demo: replace src/config.js "separator: '-'" "separator: '.'"
demo: commit "Separator: dot"
demo: usage model=claude-haiku-4-5 input=6000 output=500`,
  },
  {
    id: 'separator-underscore',
    title: 'Use underscores as the separator',
    tags: ['config'],
    prompt: `Change the default separator in src/config.js to an underscore.
demo: sleep 2500 Reading src/config.js
demo: replace src/config.js "separator: '-'" "separator: '_'"
demo: commit "Separator: underscore"
demo: usage model=claude-haiku-4-5 input=6000 output=500`,
  },
];

/** The task whose PR the demo merges as soon as it is ready (playing the human who merges). */
export const DEMO_MERGES_FIRST = 'separator-dot';
