import { type DocumentOptions, type ParseOptions, parseAllDocuments, type SchemaOptions, type Tags } from 'yaml';
import { goYamlValue, yamlV2Scalar } from '../../core/render/go-data.ts';
import { parseWrittenYamlStream, parseYamlStream } from '../../core/yaml.ts';

/**
 * The `yaml` package configured as Berth configured it before reading YAML
 * with its own module: the oracle of the differential tests.
 */

const UNRESOLVED_TAGS = new Set(
  ['timestamp', 'binary', 'omap', 'pairs', 'set'].map((name) => `tag:yaml.org,2002:${name}`),
);
const yaml11Tags = (tags: Tags): Tags =>
  tags.filter((tag) => typeof tag !== 'object' || (!UNRESOLVED_TAGS.has(tag.tag) && tag.format !== 'TIME'));

type Options = ParseOptions & DocumentOptions & SchemaOptions & { intAsBigInt?: boolean };

export const ORACLE_OPTIONS = {
  /** `parseYamlStream`: YAML 1.1, string keys, unique keys. */
  input: { version: '1.1', stringKeys: true, uniqueKeys: true, customTags: yaml11Tags },
  /**
   * `parseWrittenYamlStream`: the package's default, YAML 1.2 core, with
   * string keys (Berth writes no other; its reader reads every key as one).
   */
  written: { uniqueKeys: true, stringKeys: true },
  /** `goYamlValue`: every untagged plain scalar through yaml.v2's rules, integers as bigints. */
  goData: {
    version: '1.1',
    stringKeys: true,
    uniqueKeys: true,
    intAsBigInt: true,
    customTags: (tags: Tags): Tags => [
      {
        tag: 'tag:berth.dev,2026:yaml.v2-plain-scalar',
        default: true,
        test: /^/,
        identify: () => false,
        resolve: (text: string) => yamlV2Scalar(text),
      },
      ...yaml11Tags(tags),
    ],
  },
} satisfies Record<string, Options>;

/** The documents' values as the `yaml` package reads them, or 'error' when it reports an error. */
export function oracleRead(source: string, options: Options): unknown[] | 'error' {
  try {
    const documents = parseAllDocuments(source, options);
    if (!Array.isArray(documents) || documents.some((document) => document.errors.length)) return 'error';
    const values = documents.map((document) => document.toJS({ maxAliasCount: 100 }) ?? null);
    // Berth refused what a recursive alias makes: a value that contains itself
    JSON.stringify(values, (_key, value) => (typeof value === 'bigint' ? String(value) : value));
    return values;
  } catch {
    return 'error';
  }
}

const readInput = (source: string): unknown[] | 'error' => {
  try {
    return parseYamlStream(source, 'yaml').map((document) => document.value);
  } catch {
    return 'error';
  }
};
const readWritten = (source: string): unknown[] | 'error' => {
  try {
    return parseWrittenYamlStream(source, 'yaml').map((document) => document.value);
  } catch {
    return 'error';
  }
};
const readGoData = (source: string): unknown[] | 'error' => {
  try {
    return [goYamlValue(source, 'yaml')];
  } catch {
    return 'error';
  }
};
const oracleGoData = (source: string): unknown[] | 'error' => {
  const documents = oracleRead(source, ORACLE_OPTIONS.goData);
  if (documents === 'error' || documents.length > 1) return 'error';
  return [documents[0] ?? null];
};

/** Each of Berth's readings next to the `yaml` package's. */
export const READERS: {
  name: string;
  read: (source: string) => unknown[] | 'error';
  oracle: (source: string) => unknown[] | 'error';
  skip?: RegExp;
}[] = [
  { name: 'YAML 1.1 input', read: readInput, oracle: (s: string) => oracleRead(s, ORACLE_OPTIONS.input) },
  {
    name: 'YAML 1.2 written',
    read: readWritten,
    oracle: (s: string) => oracleRead(s, ORACLE_OPTIONS.written),
    // the package resolves these in YAML 1.2 too; Berth leaves them unresolved everywhere and never writes them
    skip: /!!(?:binary|timestamp|set|omap)/,
  },
  { name: 'yaml.v2 template data', read: readGoData, oracle: oracleGoData },
];
