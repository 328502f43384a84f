import { describe, expect, it } from 'vitest';
import { parseYamlStream } from '../../core/yaml.ts';
import { errorOf } from '../support/errors.ts';
import { CORPUS } from '../support/yaml-corpus.ts';
import { ORACLE_OPTIONS, oracleRead, READERS } from '../support/yaml-oracle.ts';
import { randomYaml, seededRandom } from '../support/yaml-random.ts';

/**
 * Berth's YAML reader against the `yaml` package, configured as Berth used
 * it: each case reads to the same values, or both refuse it.
 */

/** Read by the `yaml` package, refused by Berth's reader on purpose. */
const REFUSED = [
  ['? a\n: 1\n', 'explicit keys ("? ") are not supported'],
  ['? a\n', 'explicit keys ("? ") are not supported'],
];

describe('Berth reads YAML as the yaml package read it', () => {
  it('has a corpus of at least 150 cases and 30 invalid ones', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(150);
    expect(CORPUS.filter((source) => READERS[0]!.read(source) === 'error').length).toBeGreaterThanOrEqual(30);
  });

  for (const { name, read, oracle, skip } of READERS)
    it(`${name}: the same values, or both refuse`, () => {
      for (const source of CORPUS.filter((s) => !skip?.test(s)))
        expect({ source, value: read(source) }).toEqual({ source, value: oracle(source) });
    });

  it('refuses explicit keys, which the yaml package reads', () => {
    for (const [source, message] of REFUSED) {
      expect(oracleRead(source!, ORACLE_OPTIONS.input)).not.toBe('error');
      expect(errorOf(() => parseYamlStream(source!, 'yaml')).message).toContain(message);
    }
  });
});

describe('Berth reads random YAML as the yaml package read it', () => {
  for (const seeds of [
    [1, 1000],
    [1001, 2000],
    [2001, 2500],
  ] as const)
    it(`documents of seeds ${seeds[0]} to ${seeds[1]}`, () => {
      for (let seed = seeds[0]; seed <= seeds[1]; seed++) {
        const source = randomYaml(seededRandom(seed));
        for (const { name, read, oracle, skip } of READERS)
          if (!skip?.test(source))
            expect({ seed, name, value: read(source) }).toEqual({ seed, name, value: oracle(source) });
      }
    });
});

describe('Berth YAML errors', () => {
  it('say where and what, per document of a stream', () => {
    const cases = [
      ['a: "x\n', 'line 1, column 4: unterminated quoted string'],
      ['a:\n  b: 1\n   c: 2\n', 'line 3, column 4: bad indentation of a mapping entry'],
      ['a:\n\tb: 1\n', 'line 2, column 1: tabs are not allowed as indentation'],
      ['a: *b\n', 'line 1, column 4: alias *b has no anchor before it'],
      ['a: [1, 2\n', 'line 2, column 1: "," or "]" expected'],
      ['a: |\n  x\n y\n', 'line 3, column 2: bad indentation of a mapping entry'],
      ['a: b: c\n', 'line 1, column 4: a mapping cannot start on the same line as its key or "---"'],
      ['a: "\\q"\n', 'line 1, column 5: invalid escape \\q'],
      ['a: !e!x 1\n', 'line 1, column 4: unknown tag handle !e!'],
      ['{a: 1}: b\n', 'line 1, column 1: a mapping key must be a string'],
    ];
    for (const [source, detail] of cases)
      expect(errorOf(() => parseYamlStream(source!, 'yaml')).message).toBe(`yaml: is not valid YAML at ${detail}`);
    expect(errorOf(() => parseYamlStream('a: 1\n---\nb: 1\nb: 2\n', 'yaml', {}, 'yaml')).message).toBe(
      'yaml: document 2 (line 2) is not valid YAML at line 4, column 1: duplicate key "b"',
    );
  });

  it('bound nesting while parsing, so no input overflows the stack', () => {
    const nested = [
      '['.repeat(100_000),
      '{a: '.repeat(100_000),
      '- '.repeat(100_000),
      Array.from({ length: 1000 }, (_, depth) => `${' '.repeat(depth)}a:`).join('\n'),
    ];
    for (const source of nested)
      expect(errorOf(() => parseYamlStream(source, 'yaml')).message).toMatch(
        /^yaml: is not valid YAML at line \d+, column \d+: nests deeper than 200 levels$/,
      );
    expect(parseYamlStream(`${'['.repeat(200)}${']'.repeat(200)}`, 'yaml')).toHaveLength(1);
  });
});
