/**
 * The small project `flotilla demo` creates in a throwaway repository: a text utility library with
 * node:test tests, so the local forge's CI (`node --test`) runs real tests with no dependencies.
 */
export const DEMO_FILES: Readonly<Record<string, string>> = {
  'package.json': `${JSON.stringify(
    { name: 'textkit', version: '0.1.0', private: true, type: 'module', scripts: { test: 'node --test' } },
    null,
    2,
  )}\n`,
  'README.md': `# textkit

Small text helpers. This repository was made by \`flotilla demo\`; the tasks in it are run by the
scripted demo agent, not by a real model.
`,
  'src/text.js': `/** Lower-case words joined by dashes. */
export function slugify(text) {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/** First letter upper-case. */
export function capitalize(word) {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
`,
  'src/config.js': `export const config = {
  separator: '-',
  maxLength: 80,
};
`,
  'test/text.test.js': `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { capitalize, slugify } from '../src/text.js';

test('slugify joins words with dashes', () => {
  assert.equal(slugify('Hello, World'), 'hello-world');
});

test('capitalize upper-cases the first letter', () => {
  assert.equal(capitalize('fleet'), 'Fleet');
});
`,
  '.github/pull_request_template.md': `## What

## Why

## How it was checked
`,
  '.gitignore': 'node_modules\n',
};
