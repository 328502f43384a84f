/**
 * YAML for untrusted input (kubeconfigs, service YAML, variable values),
 * read the way Zadig and kubectl read it (yaml.v2, YAML 1.1): `yes`/`on` are
 * booleans, `0755` is octal, `<<` merges. Two exceptions, both to keep what
 * the author wrote: mapping keys are always strings (`on:` stays "on"), and
 * timestamps, sexagesimal numbers and the `!!binary`/`!!set`/`!!omap`/
 * `!!pairs` types are not resolved, so every parsed value is plain JSON data.
 *
 * Limits (no billion laughs): input size, document count, alias expansion
 * (yaml's `maxAliasCount`), total expanded nodes, nesting depth; recursive
 * aliases are rejected.
 */
import {
  LineCounter,
  parseAllDocuments,
  type DocumentOptions,
  type ParseOptions,
  type SchemaOptions,
  type Tags,
} from 'yaml';
import { InvalidInputError } from './errors.ts';

export interface YamlLimits {
  /** Maximum UTF-8 size of the source. */
  readonly maxBytes: number;
  /** Maximum number of documents in a stream. */
  readonly maxDocuments: number;
  /** yaml's alias budget: alias uses times the aliases inside what they point to. */
  readonly maxAliasCount: number;
  /** Maximum values after expanding aliases, over the whole stream. */
  readonly maxNodes: number;
  /** Maximum nesting of maps and lists. */
  readonly maxDepth: number;
}

export const DEFAULT_YAML_LIMITS: YamlLimits = {
  maxBytes: 4 * 1024 * 1024,
  maxDocuments: 1000,
  maxAliasCount: 100,
  maxNodes: 1_000_000,
  maxDepth: 200,
};

const UNRESOLVED_TAGS = new Set(
  ['timestamp', 'binary', 'omap', 'pairs', 'set'].map((name) => `tag:yaml.org,2002:${name}`),
);

/** Parser options shared by every YAML read in Berth. */
export const YAML_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  version: '1.1',
  stringKeys: true,
  uniqueKeys: true,
  customTags: (tags: Tags): Tags =>
    tags.filter((tag) => typeof tag !== 'object' || (!UNRESOLVED_TAGS.has(tag.tag) && tag.format !== 'TIME')),
};

/** One document of a stream; `value` is null for an empty document. */
export interface YamlDocument {
  /** 1-based position in the stream, empty documents included. */
  readonly index: number;
  /** 1-based line where the document starts (its `---` marker, when it has one). */
  readonly line: number;
  readonly value: unknown;
}

/**
 * Parses a multi-document YAML stream within `limits`. `what` names the input
 * in error messages (e.g. `yaml`, `variable "cfg"`).
 *
 * @example parseYamlStream('a: 1\n---\nb: 2', 'yaml') // [{ index: 1, line: 1, value: { a: 1 } }, ...]
 */
export function parseYamlStream(
  source: string,
  what: string,
  limits: Partial<YamlLimits> = {},
  field?: string,
): YamlDocument[] {
  return readStream(source, what, limits, field, YAML_OPTIONS);
}

/**
 * Reads back YAML Berth wrote itself with `stringify` (YAML 1.2, the library's
 * default), under the same limits. Read as YAML 1.1, a string it left
 * unquoted (`yes`, `on`, a date) would come back as another type.
 */
export function parseWrittenYamlStream(source: string, what: string): YamlDocument[] {
  return readStream(source, what, {}, undefined, { uniqueKeys: true });
}

function readStream(
  source: string,
  what: string,
  limits: Partial<YamlLimits>,
  field: string | undefined,
  options: ParseOptions & DocumentOptions & SchemaOptions,
): YamlDocument[] {
  const max = { ...DEFAULT_YAML_LIMITS, ...limits };
  const invalid = (message: string): InvalidInputError => new InvalidInputError(`${what}: ${message}`, field);
  const bytes = Buffer.byteLength(source, 'utf8');
  if (bytes > max.maxBytes) throw invalid(`is ${bytes} bytes, larger than the ${max.maxBytes} allowed`);

  const lineCounter = new LineCounter();
  let documents: ReturnType<typeof parseAllDocuments>;
  try {
    documents = parseAllDocuments(source, { ...options, lineCounter });
  } catch (error) {
    // the parser recursing past the stack on absurd nesting
    throw invalid(`is not valid YAML: ${(error as Error).message}`);
  }
  if (documents.length > max.maxDocuments)
    throw invalid(`has ${documents.length} documents, more than the ${max.maxDocuments} allowed`);

  const budget = { nodes: max.maxNodes };
  return documents.map((document, i) => {
    const index = i + 1;
    const line = lineCounter.linePos(document.range?.[0] ?? 0).line;
    const where = documents.length > 1 ? `document ${index} (line ${line}) ` : '';
    const [error] = document.errors;
    if (error) {
      const at = error.linePos?.[0];
      const detail = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      throw invalid(`${where}is not valid YAML${at ? ` at line ${at.line}, column ${at.col}` : ''}: ${detail}`);
    }
    let value: unknown;
    try {
      value = document.toJS({ maxAliasCount: max.maxAliasCount });
    } catch (cause) {
      const message = (cause as Error).message;
      const problem = /Excessive alias count/.test(message)
        ? 'expands aliases beyond the allowed limit'
        : `is not usable YAML: ${message}`;
      throw invalid(`${where}${problem}`);
    }
    const problem = checkTree(value, budget, max);
    if (problem) throw invalid(`${where}${problem}`);
    return { index, line, value: value ?? null };
  });
}

/**
 * Parses YAML that must be a single document (a variable's value, a values file).
 * An empty source gives null.
 */
export function parseYamlValue(
  source: string,
  what: string,
  limits: Partial<YamlLimits> = {},
  field?: string,
): unknown {
  const documents = parseYamlStream(source, what, limits, field);
  if (documents.length > 1)
    throw new InvalidInputError(`${what}: must be one YAML document, found ${documents.length}`, field);
  return documents[0]?.value ?? null;
}

/** Walks a parsed value: no cycles (recursive aliases), bounded size and depth. Returns the problem, if any. */
function checkTree(root: unknown, budget: { nodes: number }, limits: YamlLimits): string | undefined {
  const ancestors = new Set<object>();
  const visit = (value: unknown, depth: number): string | undefined => {
    if (--budget.nodes < 0) return `expands to more than ${limits.maxNodes} values`;
    if (value === null || typeof value !== 'object') return undefined;
    if (depth > limits.maxDepth) return `nests deeper than ${limits.maxDepth} levels`;
    if (ancestors.has(value)) return 'contains a recursive alias';
    ancestors.add(value);
    for (const child of Array.isArray(value) ? value : Object.values(value)) {
      const problem = visit(child, depth + 1);
      if (problem) return problem;
    }
    ancestors.delete(value);
    return undefined;
  };
  return visit(root, 0);
}
