/**
 * YAML for untrusted input (kubeconfigs, service YAML, variable values),
 * read the way Zadig and kubectl read it (yaml.v2, YAML 1.1): `yes`/`on` are
 * booleans, `0755` is octal, `<<` merges. Two exceptions, both to keep what
 * the author wrote: mapping keys are always strings (`on:` stays "on"), and
 * timestamps, sexagesimal numbers and the `!!binary`/`!!set`/`!!omap`/
 * `!!pairs` types are not resolved, so every parsed value is plain JSON data.
 * Berth's own reader (`core/yaml/`), held against the `yaml` package's reading
 * by the differential tests (`test/unit/yaml-*.test.ts`).
 *
 * Limits (no billion laughs): input size, document count, alias expansion
 * (the `yaml` package's `maxAliasCount`), total expanded nodes, nesting
 * depth; recursive aliases are rejected.
 */
import { InvalidInputError } from './errors.ts';
import { constructYaml, type ScalarSchema, YamlValueError, yaml11Schema, yaml12Schema } from './yaml/construct.ts';
import { parseYamlSyntax } from './yaml/parse.ts';

export interface YamlLimits {
  /** Maximum UTF-8 size of the source. */
  readonly maxBytes: number;
  /** Maximum number of documents in a stream. */
  readonly maxDocuments: number;
  /** Alias budget: alias uses times the aliases inside what they point to. */
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

/** How a stream's scalars are typed: the schema per YAML version (a `%YAML` directive picks one), and the default version. */
export interface YamlSchemas {
  readonly '1.1': ScalarSchema;
  readonly '1.2': ScalarSchema;
  readonly version: '1.1' | '1.2';
}

const YAML_1_1 = yaml11Schema();
/** Berth's reading of input: YAML 1.1. */
const INPUT_SCHEMAS: YamlSchemas = { '1.1': YAML_1_1, '1.2': yaml12Schema, version: '1.1' };
/** What Berth wrote: YAML 1.2 core. */
const WRITTEN_SCHEMAS: YamlSchemas = { ...INPUT_SCHEMAS, version: '1.2' };

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
  schemas: YamlSchemas = INPUT_SCHEMAS,
): YamlDocument[] {
  const max = { ...DEFAULT_YAML_LIMITS, ...limits };
  const invalid = (message: string): InvalidInputError => new InvalidInputError(`${what}: ${message}`, field);
  const bytes = Buffer.byteLength(source, 'utf8');
  if (bytes > max.maxBytes) throw invalid(`is ${bytes} bytes, larger than the ${max.maxBytes} allowed`);

  const { documents, error } = parseYamlSyntax(source, max.maxDepth);
  if (documents.length > max.maxDocuments)
    throw invalid(`has ${documents.length} documents, more than the ${max.maxDocuments} allowed`);
  const where = (index: number): string =>
    documents.length > 1 ? `document ${index + 1} (line ${documents[index]!.line}) ` : '';
  if (error)
    throw invalid(
      `${where(error.index)}is not valid YAML at line ${error.line}, column ${error.column}: ${error.message}`,
    );

  const budget = { nodes: max.maxNodes };
  return documents.map((document, i) => {
    const version = document.version === '1.1' || document.version === '1.2' ? document.version : schemas.version;
    let value: unknown;
    try {
      value = constructYaml(document.root!, schemas[version], version === '1.1', max.maxAliasCount);
    } catch (cause) {
      if (!(cause instanceof YamlValueError))
        throw invalid(`${where(i)}is not usable YAML: ${(cause as Error).message}`);
      throw invalid(`${where(i)}${cause.message}`);
    }
    const problem = checkTree(value, budget, max);
    if (problem) throw invalid(`${where(i)}${problem}`);
    return { index: i + 1, line: document.line, value: value ?? null };
  });
}

/**
 * Reads back YAML Berth wrote itself with `writeYaml` (YAML 1.2), under the
 * default limits.
 */
export function parseWrittenYamlStream(source: string, what: string): YamlDocument[] {
  return parseYamlStream(source, what, {}, undefined, WRITTEN_SCHEMAS);
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
  schemas: YamlSchemas = INPUT_SCHEMAS,
): unknown {
  const documents = parseYamlStream(source, what, limits, field, schemas);
  if (documents.length > 1)
    throw new InvalidInputError(`${what}: must be one YAML document, found ${documents.length}`, field);
  return documents[0]?.value ?? null;
}

/** Walks a parsed value: bounded size and depth. Returns the problem, if any. */
function checkTree(root: unknown, budget: { nodes: number }, limits: YamlLimits): string | undefined {
  const visit = (value: unknown, depth: number): string | undefined => {
    if (--budget.nodes < 0) return `expands to more than ${limits.maxNodes} values`;
    if (value === null || typeof value !== 'object') return undefined;
    if (depth > limits.maxDepth) return `nests deeper than ${limits.maxDepth} levels`;
    for (const child of Array.isArray(value) ? value : Object.values(value)) {
      const problem = visit(child, depth + 1);
      if (problem) return problem;
    }
    return undefined;
  };
  return visit(root, 0);
}
