/**
 * YAML text to a syntax tree, one document at a time. Scalars keep their
 * source text, style and tag, so each schema (`construct.ts`) types them its
 * own way. It reads the block and flow styles, quoted and block scalars,
 * anchors, aliases, tags and the `%YAML`/`%TAG` directives; it refuses
 * explicit `? ` keys and keys that are not scalars (Berth reads every key as a
 * string). Nesting is bounded while parsing, so deep input cannot overflow
 * the stack.
 */

interface Properties {
  tag?: string;
  anchor?: string;
}

interface NodeBase extends Properties {
  /** Offset in the source, for error messages. */
  at: number;
}
/** `text` is the scalar's value before typing; `plain` tells an unquoted scalar from a quoted or block one. */
export interface YamlScalar extends NodeBase {
  kind: 'scalar';
  text: string;
  plain: boolean;
}
export interface YamlSeq extends NodeBase {
  kind: 'seq';
  items: YamlNode[];
}
export interface YamlMap extends NodeBase {
  kind: 'map';
  items: [YamlScalar, YamlNode][];
}
export interface YamlAlias extends NodeBase {
  kind: 'alias';
  target: YamlNode;
}
export type YamlNode = YamlScalar | YamlSeq | YamlMap | YamlAlias;

export interface YamlSyntaxTree {
  /** Absent when the document failed to parse; an empty plain scalar for an empty document. */
  root?: YamlNode;
  /** 1-based line of the document's start: its `---` marker, else its first content. */
  line: number;
  /** The `%YAML` directive's version, when the document has one. */
  version?: string;
}

/** A syntax error at an offset of the source. */
export class YamlSyntaxError extends Error {
  readonly at: number;
  constructor(message: string, at: number) {
    super(message);
    this.at = at;
  }
}

const YAML_TAG_PREFIX = 'tag:yaml.org,2002:';
const DOCUMENT_MARKER = /^(?:---|\.\.\.)(?=[ \t\n]|$)/gm;
/** A line that is neither blank, a comment nor a directive. */
const CONTENT_LINE = /^[ \t]*[^\s#%]/m;
const ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  t: '\t',
  '\t': '\t',
  n: '\n',
  v: '\v',
  f: '\f',
  r: '\r',
  e: '\x1b',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
  N: '\x85',
  _: '\xa0',
  L: '\u2028',
  P: '\u2029',
};
const HEX_LENGTH: Record<string, number> = { x: 2, u: 4, U: 8 };

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t';
const isBreak = (c: string | undefined): boolean => c === undefined || c === '\n';
const isSeparator = (c: string | undefined): boolean => isSpace(c) || isBreak(c);
const isFlowIndicator = (c: string | undefined): boolean => c !== undefined && ',[]{}'.includes(c);

/**
 * Splits a stream into documents at its `---` and `...` markers (a marker at
 * column 0 always ends what came before it, even a scalar) and parses each.
 * Every document is parsed even after one fails, so the caller knows how many
 * there are; `error` is the first failure. Lines and columns are 1-based.
 */
export function parseYamlSyntax(
  input: string,
  maxDepth: number,
): { documents: YamlSyntaxTree[]; error?: { index: number; line: number; column: number; message: string } } {
  const source = input.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n');
  const breaks = [...source.matchAll(/\n/g)].map((match) => match.index);
  const lineOf = (at: number): number => {
    let [low, high] = [0, breaks.length];
    while (low < high) {
      const middle = (low + high) >> 1;
      if (breaks[middle]! < at) low = middle + 1;
      else high = middle;
    }
    return low + 1;
  };
  const documents: YamlSyntaxTree[] = [];
  let error: { index: number; line: number; column: number; message: string } | undefined;
  let start = 0;
  let explicitAt = -1;
  let directives = '';
  for (const marker of [...source.matchAll(DOCUMENT_MARKER), { 0: '', index: source.length }]) {
    const text = source.slice(start, marker.index);
    const content = CONTENT_LINE.exec(text);
    if (explicitAt >= 0 || content) {
      const at = explicitAt >= 0 ? explicitAt : start + content!.index + content![0].length - 1;
      const version = /^%YAML[ \t]+(\S+)/m.exec(directives)?.[1];
      const document: YamlSyntaxTree = { line: lineOf(at), ...(version && { version }) };
      try {
        // the text after `---` is padded to keep its columns
        const padding = explicitAt >= 0 ? '   ' : '';
        document.root = parseDocument(padding + text, start - padding.length, directives, explicitAt >= 0, maxDepth);
      } catch (cause) {
        if (!(cause instanceof YamlSyntaxError)) throw cause;
        const line = lineOf(cause.at);
        const column = cause.at - source.lastIndexOf('\n', cause.at - 1);
        error ??= { index: documents.length, line, column, message: cause.message };
      }
      documents.push(document);
      directives = '';
    } else if (marker[0] === '---') directives = text;
    explicitAt = marker[0] === '---' ? marker.index : -1;
    start = marker.index + 3;
  }
  return error ? { documents, error } : { documents };
}

/** One document's text (columns as in the source) to its root node; `offset` maps positions back to the source. */
function parseDocument(s: string, offset: number, directives: string, explicit: boolean, maxDepth: number): YamlNode {
  const anchors = new Map<string, YamlNode>();
  const handles = new Map([
    ['!', '!'],
    ['!!', YAML_TAG_PREFIX],
  ]);
  for (const [, handle, prefix] of directives.matchAll(/^%TAG[ \t]+(\S+)[ \t]+(\S+)/gm)) handles.set(handle!, prefix!);
  let i = 0;

  const fail = (message: string, at = i): never => {
    throw new YamlSyntaxError(message, at + offset);
  };
  const column = (at: number): number => at - s.lastIndexOf('\n', at - 1) - 1;
  const indentOf = (at: number): number => /^ */.exec(s.slice(at - column(at), at))![0].length;
  const skipSpaces = (): void => {
    while (isSpace(s[i])) i++;
  };
  /** Skips separators and a comment; true when the line ends there. */
  const lineEnds = (): boolean => {
    skipSpaces();
    if (s[i] === '#' && isSeparator(s[i - 1])) while (!isBreak(s[i])) i++;
    return isBreak(s[i]);
  };
  /** From a line's end, moves to the next line with content; returns its indentation, -1 at the end. */
  const nextContent = (): number => {
    while (i < s.length) {
      if (s[i] === '\n') i++;
      const lineStart = i;
      while (s[i] === ' ') i++;
      if (s[i] === '\t' && !lineEnds()) fail('tabs are not allowed as indentation', lineStart);
      if (!lineEnds()) return i - lineStart;
    }
    return -1;
  };
  const withProperties = <T extends YamlNode>(made: T, props: Properties): T => {
    Object.assign(made, props);
    if (props.anchor) anchors.set(props.anchor, made);
    return made;
  };
  const node = <T extends YamlNode>(fields: Omit<T, 'at' | keyof Properties>, props: Properties, at: number): T =>
    withProperties({ ...fields, at: at + offset } as T, props);
  const scalar = (text: string, plain: boolean, props: Properties, at: number) =>
    node<YamlScalar>({ kind: 'scalar', text, plain }, props, at);
  const token = (pattern: RegExp): string => {
    pattern.lastIndex = i;
    const [text = ''] = pattern.exec(s) ?? [];
    i += text.length;
    return text;
  };
  const checkDepth = (depth: number): void => {
    if (depth > maxDepth) fail(`nests deeper than ${maxDepth} levels`);
  };

  /** Anchor and tag, in either order, before a node. */
  const properties = (): Properties => {
    const props: Properties = {};
    for (;;) {
      const at = i;
      if (s[i] === '&' && !props.anchor) props.anchor = token(/&[^\s,[\]{}]+/y).slice(1) || fail('empty anchor name');
      else if (s[i] === '!' && !props.tag) props.tag = tagName(token(/!(?:<[^>]*>|[^\s,[\]{}"]*)/y), at);
      else return props;
      skipSpaces();
    }
  };
  const tagName = (text: string, at: number): string => {
    if (text.startsWith('!<')) return text.slice(2, -1);
    if (text === '!') return text;
    const [, handle = '', suffix = ''] = /^(!(?:[\w-]*!)?)(.*)$/.exec(text)!;
    return (handles.get(handle) ?? fail(`unknown tag handle ${handle}`, at)) + suffix;
  };

  /** Reads line breaks and the indentation after them inside a flow scalar: one break is a space, more keep all but one. */
  const foldBreaks = (indent: number, start: number, what: string): string => {
    let breaks = 0;
    while (s[i] === '\n') {
      breaks++;
      i++;
      skipSpaces();
    }
    if (i >= s.length || indentOf(i) <= indent) fail(`unterminated ${what}`, start);
    return breaks === 1 ? ' ' : '\n'.repeat(breaks - 1);
  };

  const quoted = (indent: number): string => {
    const start = i;
    const quote = s[i++];
    let text = '';
    let kept = 0; // text before this is escaped or not a space: a line break never trims it
    for (;;) {
      const c = s[i];
      if (c === undefined) fail('unterminated quoted string', start);
      if (c === quote) {
        if (quote === '"' || s[i + 1] !== "'") {
          i++;
          return text;
        }
        text += "'"; // '' in a single-quoted string
        i += 2;
      } else if (c === '\n') {
        text =
          text.slice(0, kept) + text.slice(kept).replace(/[ \t]+$/, '') + foldBreaks(indent, start, 'quoted string');
      } else if (c === '\\' && quote === '"') {
        const escaped = s[i + 1] ?? '';
        const length = HEX_LENGTH[escaped] ?? 0;
        const hex = s.slice(i + 2, i + 2 + length);
        const code = Number.parseInt(hex, 16);
        if (escaped === '\n') {
          i++;
          const folded = foldBreaks(indent, start, 'quoted string');
          text += folded === ' ' ? '' : folded; // an escaped line break folds to nothing
        } else if (length) {
          if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length < length || code > 0x10ffff)
            fail(`invalid escape \\${escaped}${hex}`);
          text += String.fromCodePoint(code);
          i += 2 + length;
        } else {
          text += ESCAPES[escaped] ?? fail(`invalid escape \\${escaped}`);
          i += 2;
        }
      } else {
        text += c;
        i++;
        if (isSpace(c)) continue;
      }
      kept = text.length;
    }
  };

  /** A plain scalar; its continuation lines must be indented past `indent`. Stops before `: `, ` #` and, in flow, `,[]{}`. */
  const plain = (indent: number, flow: boolean): string => {
    const first = s[i];
    const endsAt = (at: number): boolean =>
      s[at] === ':' && (isSeparator(s[at + 1]) || (flow && isFlowIndicator(s[at + 1])));
    if (/^[#&*!|>'"%@`,[\]{}]/.test(first!) || ('-?:'.includes(first!) && (isSeparator(s[i + 1]) || endsAt(i))))
      fail(`a plain value cannot start with "${first}"`);
    let text = '';
    for (;;) {
      const from = i;
      let end = i;
      for (let c = s[i]; !isBreak(c) && !endsAt(i); c = s[++i]) {
        if ((c === '#' && isSpace(s[i - 1])) || (flow && isFlowIndicator(c))) break;
        if (!isSpace(c)) end = i + 1;
      }
      text += s.slice(from, end);
      if (s[i] !== '\n') return text;
      const lineEnd = i;
      let breaks = 0;
      while (s[i] === '\n') {
        breaks++;
        i++;
        skipSpaces();
      }
      const c = s[i];
      if (c === undefined || c === '#' || (flow ? isFlowIndicator(c) || endsAt(i) : indentOf(i) <= indent)) {
        i = lineEnd;
        return text;
      }
      text += breaks === 1 ? ' ' : '\n'.repeat(breaks - 1);
    }
  };

  /** `|` or `>` with its chomping and indentation indicators; content lines are indented past `indent`. */
  const blockScalar = (indent: number, props: Properties): YamlNode => {
    const at = i;
    const folded = s[i++] === '>';
    const header = token(/[-+]?[1-9]?[-+]?/y);
    const chomp = header.replace(/[1-9]/, '');
    if (chomp.length > 1 || !lineEnds()) fail('bad block scalar header', at);
    const explicitIndent = Number(header.replace(/[-+]/g, ''));
    let contentIndent = explicitIndent ? Math.max(indent, 0) + explicitIndent : -1;
    let text = '';
    let emptyLines = 0;
    let leadingSpaces = 0;
    let spaced = false; // the last line began with a space or tab: folding keeps its line break
    let hasContent = false;
    while (i + 1 < s.length) {
      const lineStart = i + 1;
      const lineEnd = (s.indexOf('\n', lineStart) + 1 || s.length + 1) - 1;
      let j = lineStart;
      while (s[j] === ' ') j++;
      const spaces = j - lineStart;
      const empty = j === lineEnd;
      if (!empty && contentIndent < 0) {
        if (spaces <= indent) break;
        if (leadingSpaces > spaces) fail('a leading empty line has more spaces than the block scalar content', j);
        contentIndent = spaces;
      }
      if (empty && (contentIndent < 0 || spaces <= contentIndent)) {
        leadingSpaces = Math.max(leadingSpaces, spaces);
        emptyLines++;
      } else if (spaces < contentIndent) break;
      else {
        const line = s.slice(lineStart + contentIndent, lineEnd);
        const lineSpaced = isSpace(line[0]);
        if (!folded || lineSpaced || spaced) text += '\n'.repeat(hasContent ? emptyLines + 1 : emptyLines);
        else text += emptyLines ? '\n'.repeat(emptyLines) : hasContent ? ' ' : '';
        text += line;
        spaced = lineSpaced;
        hasContent = true;
        emptyLines = 0;
      }
      i = lineEnd;
    }
    if (chomp === '+') text += '\n'.repeat(hasContent ? emptyLines + 1 : emptyLines);
    else if (chomp === '' && hasContent) text += '\n';
    return scalar(text, false, props, at);
  };

  /** An alias, quoted or plain scalar or flow collection (in block context: a value or a key). */
  const flowNode = (indent: number, depth: number, flow: boolean, props = properties()): YamlNode => {
    const at = i;
    const c = s[i];
    if (c === '[' || c === '{') return flowCollection(indent, depth, props);
    if (c === '*') {
      if (props.anchor || props.tag) fail('an alias cannot have an anchor or a tag');
      const name = token(/\*[^\s,[\]{}]+/y).slice(1);
      const target = anchors.get(name) ?? fail(`alias *${name} has no anchor before it`, at);
      return { kind: 'alias', target, at: at + offset };
    }
    if (c === '"' || c === "'") return scalar(quoted(indent), false, props, at);
    if (!flow && (c === '|' || c === '>')) return blockScalar(indent, props);
    const emptyKey = c === ':' && isSeparator(s[i + 1]);
    const empty = emptyKey || isBreak(c) || (flow && isFlowIndicator(c));
    return scalar(emptyKey || (empty && (props.tag || props.anchor)) ? '' : plain(indent, flow), true, props, at);
  };

  /** Skips spaces, comments and line breaks inside a flow collection, whose lines are indented past `indent`. */
  const flowSpace = (indent: number): void => {
    while (lineEnds() && s[i] === '\n') {
      i++;
      skipSpaces();
      if (!isBreak(s[i]) && s[i] !== '#' && !']}'.includes(s[i]!) && indentOf(i) <= indent)
        fail('a flow collection must be indented past its parent');
    }
  };

  const addPair = (map: YamlMap, keys: Set<string>, key: YamlNode, value: YamlNode): void => {
    if (key.kind !== 'scalar' || (key.tag && key.tag !== `${YAML_TAG_PREFIX}str`))
      fail('a mapping key must be a string', key.at - offset);
    else if (keys.has(key.text)) fail(`duplicate key "${key.text}"`, key.at - offset);
    else {
      keys.add(key.text);
      map.items.push([key, value]);
    }
  };

  const flowCollection = (indent: number, depth: number, props: Properties): YamlNode => {
    checkDepth(depth);
    const at = i;
    const close = s[i++] === '[' ? ']' : '}';
    const collection =
      close === ']'
        ? node<YamlSeq>({ kind: 'seq', items: [] }, props, at)
        : node<YamlMap>({ kind: 'map', items: [] }, props, at);
    const keys = new Set<string>();
    for (;;) {
      flowSpace(indent);
      if (s[i] === close) {
        i++;
        return collection;
      }
      if (i >= s.length) fail(`unterminated flow collection: "${close}" missing`, at);
      if (s[i] === ',') fail('empty entry in a flow collection');
      const entryAt = i;
      const key = flowNode(indent, depth + 1, true);
      flowSpace(indent);
      let value: YamlNode | undefined;
      if (s[i] === ':') {
        i++;
        flowSpace(indent);
        value = s[i] === ',' || s[i] === close ? scalar('', true, {}, i) : flowNode(indent, depth + 1, true);
        flowSpace(indent);
      }
      if (collection.kind === 'map') addPair(collection, keys, key, value ?? scalar('', true, {}, i));
      else if (value) {
        const pair = node<YamlMap>({ kind: 'map', items: [] }, {}, entryAt);
        addPair(pair, new Set(), key, value);
        collection.items.push(pair);
      } else collection.items.push(key);
      if (s[i] === ',') i++;
      else if (s[i] !== close) fail(`"," or "${close}" expected`);
    }
  };

  /**
   * The node after `key:`, `- ` or `---`, on this line or the next ones;
   * `indent` is its parent's. A sequence may sit at its key's indentation
   * (`key:\n- a`); after `- ` a block collection may start on the same line
   * (`- a: 1`), not after a key or `---` (`inline` false).
   */
  const blockValue = (indent: number, depth: number, inline: boolean): YamlNode => {
    skipSpaces();
    const at = i;
    let props = properties();
    if (!lineEnds()) return blockNode(inline ? column(at) : -1, indent, depth, props, false);
    let lineEnd = i;
    let next = nextContent();
    for (let lineStart = i, more = properties(); more.anchor || more.tag; lineStart = i, more = properties()) {
      // properties alone on their line belong to the node below, like those after `key:`
      if (!lineEnds() || props.anchor || props.tag) {
        i = lineStart;
        break;
      }
      props = more;
      lineEnd = i;
      next = nextContent();
    }
    if (next > indent || (!inline && next === indent && s[i] === '-' && isSeparator(s[i + 1])))
      return blockNode(next, indent, depth, props, true);
    i = lineEnd;
    return scalar('', true, props, at);
  };

  /**
   * The node at `i`: a block collection starting at column `col` (-1: none
   * may start here), or a scalar, alias or flow collection. Properties on a
   * line of their own (`ownLine`) belong to the collection, else to its first key.
   */
  const blockNode = (col: number, indent: number, depth: number, props: Properties, ownLine: boolean): YamlNode => {
    const at = i;
    const c = s[i];
    const indicator = isSeparator(s[i + 1]);
    if (c === '-' && indicator) return col >= 0 ? blockSeq(col, depth, props) : fail('a sequence cannot start here');
    if (c === '?' && indicator) fail('explicit keys ("? ") are not supported');
    const first = flowNode(indent, depth, false, ownLine ? properties() : props);
    const end = i;
    skipSpaces();
    if (s[i] !== ':' || !isSeparator(s[i + 1])) {
      i = end;
      return ownLine ? withProperties(first, props) : first;
    }
    // a plain value's continuation line holding `key:`: that entry is indented too far
    if (s.slice(at, end).includes('\n')) fail('bad indentation of a mapping entry', i - column(i) + indentOf(i));
    if (col < 0) fail('a mapping cannot start on the same line as its key or "---"', at);
    return blockMap(col, depth, ownLine ? props : {}, first, at);
  };

  const blockSeq = (col: number, depth: number, props: Properties): YamlNode => {
    checkDepth(depth);
    const seq = node<YamlSeq>({ kind: 'seq', items: [] }, props, i);
    for (;;) {
      i++; // the '-'
      seq.items.push(blockValue(col, depth + 1, true));
      if (!lineEnds()) fail('unexpected text after a sequence entry');
      const lineEnd = i;
      const next = nextContent();
      if (next > col) fail('bad indentation of a sequence entry');
      if (next < col || s[i] !== '-' || !isSeparator(s[i + 1])) {
        i = lineEnd;
        return seq;
      }
    }
  };

  /** A block mapping at column `col`, `i` at the ':' after its first key (which started at `keyAt`). */
  const blockMap = (col: number, depth: number, props: Properties, firstKey: YamlNode, keyAt: number): YamlNode => {
    checkDepth(depth);
    const map = node<YamlMap>({ kind: 'map', items: [] }, props, keyAt);
    const keys = new Set<string>();
    for (let key = firstKey; ; ) {
      if (s.slice(keyAt, i).includes('\n')) fail('a mapping key must be on one line', keyAt);
      i++; // the ':'
      addPair(map, keys, key, blockValue(col, depth + 1, false));
      if (!lineEnds()) fail('unexpected text after a mapping value');
      const lineEnd = i;
      const next = nextContent();
      if (next < col) {
        i = lineEnd;
        return map;
      }
      if (next > col) fail('bad indentation of a mapping entry');
      keyAt = i;
      key = flowNode(col, depth, false);
      skipSpaces();
      if (s[i] !== ':' || !isSeparator(s[i + 1])) fail('":" expected after a mapping key');
    }
  };

  if (!explicit) nextContent(); // checks the first line's indentation
  const root = blockValue(-1, 0, !explicit);
  if (!lineEnds() || nextContent() >= 0) fail('unexpected content after the document');
  return root;
}
