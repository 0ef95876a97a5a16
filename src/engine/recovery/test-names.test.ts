import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractFailingTests, formatFailingTest } from './test-names.js';
import { stripAnsi, tailText } from './text.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');
const names = (output: string) => extractFailingTests(output).map(formatFailingTest);

describe('extractFailingTests', () => {
  it('reads real vitest output, coloured or not', () => {
    const expected = [
      'src/math.test.ts > math > divides by zero safely',
      'src/math.test.ts > math > nested group > rounds half up',
      'src/str.test.ts > parses "quoted" names',
    ];
    expect(names(fixture('vitest-plain.txt'))).toEqual(expected);
    expect(fixture('vitest-color.txt')).toContain('\u001b[');
    expect(names(fixture('vitest-color.txt'))).toEqual(expected);
  });

  it('falls back to the vitest tree when the failure section is missing', () => {
    const tree = fixture('vitest-plain.txt').split('⎯⎯⎯⎯⎯⎯⎯ Failed Tests')[0]!;
    expect(names(tree)).toEqual([
      'src/math.test.ts > divides by zero safely',
      'src/math.test.ts > rounds half up',
      'src/str.test.ts > parses "quoted" names',
    ]);
  });

  it('reads real pytest output (short summary, coloured) and -v lines', () => {
    const expected = [
      'tests/test_calc.py::test_subtract',
      'tests/test_calc.py::TestParser::test_parse_empty',
      'tests/test_calc.py::test_double[3-7]',
      'tests/test_calc.py::test_raises',
    ];
    expect(fixture('pytest-color.txt')).toContain('\u001b[');
    expect(names(fixture('pytest-color.txt'))).toEqual(expected);
    expect(names(fixture('pytest-verbose.txt'))).toEqual(expected);
    expect(names('ERROR tests/test_db.py::test_query - RuntimeError: no database\n')).toEqual(['tests/test_db.py::test_query']);
  });

  it('reads jest output, skipping suite errors and console sections', () => {
    expect(names(fixture('jest.txt'))).toEqual([
      'src/math.test.js > math › divides by zero safely',
      'src/math.test.js > math › nested group › rounds half up',
    ]);
  });

  it('reads mocha spec output, nested suites and hooks included', () => {
    expect(names(fixture('mocha.txt'))).toEqual([
      'math > divides by zero safely',
      'math > nested group > rounds half up',
      'parser > "before each" hook for "reads a file"',
      'top level test',
    ]);
  });

  it('reads go test output: leaf subtests, panics, -v and -json', () => {
    expect(names(fixture('go-test.txt'))).toEqual(['TestDivide', 'TestTable/negative_numbers', 'TestTable/zero', 'TestPanics']);
    expect(names(fixture('go-test-verbose.txt'))).toEqual(['TestDivide', 'TestTable/negative_numbers']);
    expect(names(fixture('go-test-json.txt'))).toEqual(['TestDivide (example.com/calc)']);
  });

  it('reads real node:test output: TAP (the default off a terminal) and spec', () => {
    expect(names(fixture('node-test-tap.txt'))).toEqual(['capitalize upper-cases the first letter', 'truncate > cuts long text at maxLength']);
    expect(names(fixture('node-test-spec.txt'))).toEqual([
      'test/text.test.js > capitalize upper-cases the first letter',
      'test/text.test.js > cuts long text at maxLength',
    ]);
    expect(names('TAP version 13\nnot ok 1 - later # TODO not written yet\nnot ok 2 - real \\# one\n')).toEqual(['real # one']);
  });

  it('reads real cargo test output (coloured) and RSpec output', () => {
    expect(fixture('cargo-test-color.txt')).toContain('\u001b[');
    expect(names(fixture('cargo-test-color.txt'))).toEqual(['src/lib.rs > parse::tests::rejects_empty', 'src/lib.rs > tests::divides_by_zero']);
    expect(names(fixture('rspec.txt'))).toEqual([
      'spec/calculator_spec.rb > Calculator divides by zero safely',
      'spec/calculator_spec.rb > Calculator#round rounds half up',
    ]);
  });

  it('reads the same names from GitHub Actions logs (gh run view --log-failed: job, step, timestamp before each line)', () => {
    const viaGh = (output: string) =>
      output
        .split('\n')
        .map((line, i) => `test\tRun tests\t2026-11-25T09:41:${String(i % 60).padStart(2, '0')}.1234567Z ${line}`)
        .join('\n');
    for (const file of ['vitest-color.txt', 'pytest-color.txt', 'go-test.txt', 'node-test-tap.txt', 'cargo-test-color.txt']) {
      const plain = names(fixture(file));
      expect(plain.length, file).toBeGreaterThan(0);
      expect(names(viaGh(fixture(file))), file).toEqual(plain);
    }
  });

  it('finds nothing in output without failures, and caps a flood', () => {
    expect(extractFailingTests('all good\n 3 passed\nok  \texample.com/x\t0.1s\n')).toEqual([]);
    const flood = Array.from({ length: 500 }, (_, i) => `FAILED tests/t.py::test_${i} - boom`).join('\n');
    expect(extractFailingTests(flood)).toHaveLength(50);
  });
});

describe('text helpers', () => {
  it('strips colours, OSC titles and CR redraws', () => {
    expect(stripAnsi('\u001b[31mred\u001b[39m \u001b]0;title\u0007ok\r\nprogress 10%\rprogress 100%')).toBe('red ok\nprogress 100%');
  });

  it('keeps the tail of a long log within both caps', () => {
    const log = Array.from({ length: 1000 }, (_, i) => `line ${i}`).join('\n');
    const tail = tailText(log, 20, 10_000);
    expect(tail.split('\n')).toHaveLength(21);
    expect(tail).toContain('line 999');
    expect(tail).not.toContain('line 979\n');
    expect(tailText('x'.repeat(100_000), 20, 500).length).toBeLessThanOrEqual(530);
  });
});
