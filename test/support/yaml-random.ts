/**
 * Random YAML text for the differential tests: random trees written in
 * varied styles (block and flow collections, compact entries, plain, quoted
 * and block scalars, anchors, aliases, merge keys, tags, comments, several
 * documents). Not all of it is valid YAML, on purpose: readers must then
 * agree that it is not.
 */

/** mulberry32: a small seeded generator, so every run reads the same documents. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ['a', 'b', 'web', 'name', 'image', 'port', 'x y', 'on', 'yes', 'No', 'null', '~', '1', '0x1F', 'key'];
const SCALARS = [
  ...['yes', 'no', 'on', 'Off', 'y', 'n', 'true', 'False', 'null', 'Null', '~', '', 'nul'],
  ...['0', '-0', '12', '+12', '012', '0755', '08', '0o17', '0x1F', '0b101', '1_000', '_1', '9007199254740993'],
  ...['1.5', '.5', '1.', '1e3', '1.5E-3', '.inf', '-.Inf', '.nan', '.', '1e400', '2024-01-02', '1:20', '12:30:45'],
  ...['plain text', 'a:b', 'a#b', 'http://x.y/z?q=1', '-dash', '?q', 'é ☃ 💥', 'tab\there', 'trailing:', "it's"],
  ...['say "hi"', 'a: b', 'a #b', ' lead', 'trail ', 'multi\nline', 'two\n\nbreaks\n', '\ttabbed', '- x', '*star'],
  ...['[x]', '{x}', '@at', '`tick', '%pct', '!bang', '&amp', '|bar', '>gt', ',comma', 'back\\slash', '\u0007bell'],
];

export function randomYaml(random: () => number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const chance = (p: number): boolean => random() < p;
  const anchors: string[] = [];
  const mapAnchors: string[] = [];
  let anchorCount = 0;

  const anchor = (map = false): string => {
    if (!chance(0.1)) return '';
    const name = `a${anchorCount++}`;
    anchors.push(name);
    if (map) mapAnchors.push(name);
    return `&${name} `;
  };
  const tag = (): string =>
    chance(0.06) ? `${pick(['!!str', '!!int', '!!float', '!!bool', '!!null', '!foo', '!'])} ` : '';
  const comment = (): string => (chance(0.1) ? ` # ${pick(['note', 'a: b', '#', ''])}` : '');

  const plainOk = (text: string, flow: boolean): boolean =>
    /^(?![-?:](?:\s|$))[^\s,[\]{}#&*!|>'"%@`]/.test(text) &&
    !/[\s:]$|:\s|\s#|\n|\t/.test(text) &&
    !(flow && /[,[\]{}:]/.test(text));
  const doubleQuoted = (text: string): string =>
    `"${[...text]
      .map((c) => {
        if (c === '"' || c === '\\') return `\\${c}`;
        if (c === '\n') return chance(0.5) ? '\\n' : '\\x0a';
        if (c === '\t') return pick(['\\t', '\t', '\\u0009']);
        if (c < ' ') return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
        if (c > '~' && chance(0.3)) return `\\U${c.codePointAt(0)!.toString(16).padStart(8, '0')}`;
        return c;
      })
      .join('')}"`;

  /** A scalar: plain, quoted, or a block scalar outside flow collections; its lines indented past `indent`. */
  const scalar = (text: string, indent: number, flow: boolean, key = false): string => {
    if (!key && anchors.length && chance(0.08)) return `*${pick(anchors)}`;
    const props = `${anchor()}${key ? (chance(0.05) ? '!!str ' : '') : tag()}`;
    const style = random();
    if (style < 0.45 && plainOk(text, flow)) return props + text;
    if (style < 0.65 || [...text].some((c) => c < '\t')) return props + doubleQuoted(text);
    const pad = ' '.repeat(indent + pick([1, 2, 4]));
    if (style < 0.8 || flow || key || !/^\S/.test(text))
      return `${props}'${text.replaceAll("'", "''").replaceAll('\n', `\n\n${pad}`)}'`;
    const header = `${pick(['|', '>'])}${pick(['', '-', '+'])}`;
    return `${props}${header}${comment()}\n${text
      .split('\n')
      .map((line) => (line ? pad + line : ''))
      .join('\n')}`;
  };

  /** Keys for one mapping, rarely the same twice. */
  const keyPicker = () => {
    const used = new Set<string>();
    return (): string => {
      let word = pick(WORDS);
      while (used.has(word) && !chance(0.02)) word = pick([...WORDS, `k${used.size}`]);
      used.add(word);
      return word;
    };
  };

  const flowNode = (indent: number, depth: number): string => {
    const roll = random();
    if (depth > 3 || roll < 0.5) return scalar(pick(SCALARS), indent, true);
    const size = Math.floor(random() * 4);
    const [open, close] = roll < 0.75 ? ['[', ']'] : ['{', '}'];
    const props = anchor(open === '{');
    const nextKey = keyPicker();
    const items = Array.from({ length: size }, () =>
      roll < 0.75
        ? flowNode(indent, depth + 1)
        : `${scalar(nextKey(), indent, true, true)}: ${flowNode(indent, depth + 1)}`,
    );
    const separator = chance(0.2) ? `,\n${' '.repeat(indent + 2)}` : ', ';
    return `${props}${open}${items.join(separator)}${chance(0.1) && size ? ',' : ''}${close}`;
  };

  /** A block node at `indent`; `inline` when it follows `- ` (a compact collection may start there). */
  const blockNode = (indent: number, depth: number): { text: string; block: boolean; map?: boolean } => {
    const roll = random();
    if (depth > 4 || roll < 0.35) return { text: scalar(pick(SCALARS), indent, false), block: false };
    if (roll < 0.45) return { text: flowNode(indent, depth), block: false };
    const size = 1 + Math.floor(random() * 4);
    const pad = ' '.repeat(indent);
    const lines: string[] = [];
    const isMap = roll < 0.75;
    const nextKey = keyPicker();
    for (let i = 0; i < size; i++) {
      if (isMap && mapAnchors.length && chance(0.08)) {
        lines.push(
          `${pad}<<: ${chance(0.7) ? `*${pick(mapAnchors)}` : `[*${pick(mapAnchors)}, *${pick(mapAnchors)}]`}`,
        );
        continue;
      }
      const head = isMap ? `${scalar(nextKey(), indent, true, true)}:` : '-';
      const childIndent = indent + pick([1, 2, 2, 4]);
      const child = blockNode(childIndent, depth + 1);
      // an anchor after the node's own aliases: pointing into itself is what the recursion cases test
      const props = child.block ? anchor(child.map) : '';
      if (child.block) {
        const sameIndentSeq = isMap && child.text.startsWith(`${' '.repeat(childIndent)}-`) && chance(0.3);
        const text = sameIndentSeq
          ? child.text.replace(new RegExp(`^ {${childIndent - indent}}`, 'gm'), '')
          : child.text;
        lines.push(`${pad}${head} ${props}${comment()}\n${text}`);
      } else lines.push(`${pad}${head} ${child.text}${comment()}`);
      if (chance(0.1)) lines.push(pick(['', `${pad}# comment`, '   ']));
    }
    return { text: lines.join('\n'), block: true, map: isMap };
  };

  const documents = Array.from({ length: chance(0.2) ? 2 : 1 }, () => {
    anchors.length = 0;
    mapAnchors.length = 0;
    const root = blockNode(0, 0);
    return (root.block ? '' : chance(0.5) ? '--- ' : '') + root.text;
  });
  return `${documents.join(pick(['\n---\n', '\n...\n---\n', '\n--- # next\n']))}\n`;
}
