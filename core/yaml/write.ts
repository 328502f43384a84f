/**
 * Data (JSON values, plus bigint) to YAML text: block style, 2-space indent,
 * `- ` entries indented under their key, long lines never folded. A string is
 * written plain only when every YAML 1.1 and 1.2 reader (yaml.v2, kubectl,
 * the `yaml` package, Berth's own) reads it back as that same string;
 * otherwise multi-line text is a `|` block when that keeps it exactly, and
 * anything else is double-quoted.
 */
import { yaml11Schema, yaml12Schema } from './construct.ts';

const yaml11 = yaml11Schema();
/** Characters YAML cannot hold unescaped, and the line separators YAML 1.1 reads as line breaks. */
const UNPRINTABLE = /[^\t\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\u{10000}-\u{10ffff}]/u;
/** Not plain: a leading indicator or space, `: ` or ` #` inside, a trailing space or colon, a document marker. */
const NOT_PLAIN = /^[\s#&*!|>'"%@`,[\]{}]|^[-?:](?![^\s,[\]{}])|^(?:---|\.\.\.)(?:\s|$)|:\s|\s#|[\s:]$|\n|^<<$/;
/** Timestamps and sexagesimal numbers, types of YAML 1.1 that yaml.v2 and the `yaml` package may resolve. */
const YAML_1_1_TIME = /^\d{4}-\d\d?-\d\d?(?:[Tt\s]|$)|^[-+]?\d[\d_]*(?::[0-5]?\d)+(?:\.[\d_]*)?$/;

const isPlainSafe = (text: string): boolean =>
  !NOT_PLAIN.test(text) &&
  !UNPRINTABLE.test(text) &&
  !YAML_1_1_TIME.test(text) &&
  yaml11(text) === text &&
  yaml12Schema(text) === text;

const doubleQuoted = (text: string): string =>
  JSON.stringify(text).replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** A string as a scalar; `indent` is where a block scalar's lines go. */
const stringText = (text: string, indent: string): string => {
  if (isPlainSafe(text)) return text;
  // a `|` block keeps multi-line text exactly when its first line starts with content
  if (!/^[^\s][\s\S]*\n/.test(text) || UNPRINTABLE.test(text)) return doubleQuoted(text);
  const chomp = text.endsWith('\n\n') ? '+' : text.endsWith('\n') ? '' : '-';
  const lines = (chomp === '-' ? text : text.slice(0, -1)).split('\n');
  return `|${chomp}${lines.map((line) => (line ? `\n${indent}${line}` : '\n')).join('')}`;
};

const scalarText = (value: unknown, indent: string): string => {
  if (typeof value === 'string') return stringText(value, indent);
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return '.nan';
    if (!Number.isFinite(value)) return value < 0 ? '-.inf' : '.inf';
    return Object.is(value, -0) ? '-0' : String(value);
  }
  if (Array.isArray(value)) return '[]';
  if (value !== null && typeof value === 'object') return '{}';
  return String(value ?? null);
};

interface WriteOptions {
  /** Mapping keys in sorted order (else as the object holds them). */
  readonly sortKeys?: boolean;
}

/**
 * @example writeYaml({ kind: 'Service', ports: [{ port: 80 }] }) // 'kind: Service\nports:\n  - port: 80\n'
 */
export function writeYaml(value: unknown, options: WriteOptions = {}): string {
  const data = (item: unknown): unknown =>
    item !== null && typeof item === 'object' && typeof (item as { toJSON?: unknown }).toJSON === 'function'
      ? (item as { toJSON: () => unknown }).toJSON()
      : item;
  /** The entries of `item` when it is a collection with some, each pair as [key text or '-', value]. */
  const entries = (item: unknown): [string, unknown][] | undefined => {
    if (item === null || typeof item !== 'object') return undefined;
    const pairs: [string, unknown][] = Array.isArray(item)
      ? item.map((entry) => ['-', data(entry) ?? null])
      : (options.sortKeys ? Object.entries(item).sort(([a], [b]) => (a < b ? -1 : 1)) : Object.entries(item))
          .filter(([, entry]) => entry !== undefined)
          .map(([key, entry]) => [isPlainSafe(key) ? key : doubleQuoted(key), data(entry)]);
    return pairs.length ? pairs : undefined;
  };
  /** A collection's lines at `indent`, the first one without it (it follows `- ` or starts a line already indented). */
  const block = (pairs: [string, unknown][], indent: string): string =>
    pairs
      .map(([key, item]) => {
        const inner = entries(item);
        const childIndent = `${indent}  `;
        if (key === '-') return `- ${inner ? block(inner, childIndent) : scalarText(item, childIndent)}`;
        return `${key}:${inner ? `\n${childIndent}${block(inner, childIndent)}` : ` ${scalarText(item, childIndent)}`}`;
      })
      .join(`\n${indent}`);
  const root = data(value);
  const pairs = entries(root);
  return `${pairs ? block(pairs, '') : scalarText(root, '  ')}\n`;
}
