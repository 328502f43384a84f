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
