/**
 * A syntax tree (`parse.ts`) to plain data, typing scalars with a schema:
 * YAML 1.1 as Berth reads input, YAML 1.2 core for what Berth wrote, or a
 * caller's own (yaml.v2's, `core/render/go-data.ts`). Mapping keys are always
 * strings. Aliases are counted as the `yaml` package counts them
 * (`maxAliasCount`), so a billion-laughs document stops early.
 */
import type { YamlNode, YamlScalar } from './parse.ts';

/** Types a scalar: `tag` is absent for an untagged plain scalar, else its full tag name. */
export type ScalarSchema = (text: string, tag?: string) => unknown;

/** A document that parses but cannot become data (a recursive alias, too many aliases, a bad merge). */
export class YamlValueError extends Error {}

const YAML_TAG = 'tag:yaml.org,2002:';
type Rule = [type: string, test: RegExp, resolve: (text: string) => unknown];

const RADIX_PREFIX: Record<number, string> = { 2: '0b', 8: '0o', 10: '', 16: '0x' };
const intRule =
  (bigint: boolean) =>
  (test: RegExp, prefixLength: number, radix: number): Rule => [
    'int',
    test,
    (text) => {
      const sign = text[0] === '-' || text[0] === '+' ? text[0] : '';
      const digits = text.slice(sign.length + prefixLength).replaceAll('_', '');
      if (bigint) {
        const value = BigInt(RADIX_PREFIX[radix] + digits);
        return sign === '-' ? -value : value;
      }
      const value = Number.parseInt(digits, radix);
      return sign === '-' ? -value : value;
    },
  ];
const floatRule = (test: RegExp): Rule => ['float', test, (text) => Number.parseFloat(text.replaceAll('_', ''))];
const NULL_RULE: Rule = ['null', /^(?:~|[Nn]ull|NULL)?$/, () => null];
const SPECIAL_FLOAT_RULE: Rule = [
  'float',
  /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
  (text) => (/nan$/i.test(text) ? Number.NaN : text[0] === '-' ? -Infinity : Infinity),
];

/** Types a scalar with the first rule its tag allows and its text matches; the text stays a string otherwise. */
const ruleSchema =
  (rules: Rule[]): ScalarSchema =>
  (text, tag) => {
    for (const [type, test, resolve] of rules)
      if ((tag === undefined || tag === YAML_TAG + type) && test.test(text)) return resolve(text);
    return text;
  };

/**
 * YAML 1.1 as the `yaml` package types it (its rules and their order), less
 * timestamps and sexagesimal numbers; `bigint` reads integers as bigints.
 */
export const yaml11Schema = (bigint = false): ScalarSchema => {
  const int = intRule(bigint);
  return ruleSchema([
    NULL_RULE,
    ['bool', /^(?:Y|y|[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/, () => true],
    ['bool', /^(?:N|n|[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/, () => false],
    int(/^[-+]?0b[0-1_]+$/, 2, 2),
    int(/^[-+]?0[0-7_]+$/, 1, 8),
    int(/^[-+]?[0-9][0-9_]*$/, 0, 10),
    int(/^[-+]?0x[0-9a-fA-F_]+$/, 2, 16),
    SPECIAL_FLOAT_RULE,
    floatRule(/^[-+]?(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?[eE][-+]?[0-9]+$/),
    floatRule(/^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*$/),
  ]);
};

/** The YAML 1.2 core schema. */
export const yaml12Schema: ScalarSchema = ruleSchema([
  NULL_RULE,
  ['bool', /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/, (text) => /^t/i.test(text)],
  intRule(false)(/^0o[0-7]+$/, 2, 8),
  intRule(false)(/^[-+]?[0-9]+$/, 0, 10),
  intRule(false)(/^0x[0-9a-fA-F]+$/, 2, 16),
  SPECIAL_FLOAT_RULE,
  floatRule(/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/),
  floatRule(/^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/),
]);

const defineOwn = (target: Record<string, unknown>, key: string, value: unknown): void => {
  // defineProperty: a key named "__proto__" is data, not the prototype
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
};

/**
 * The data of a document. `merge` enables YAML 1.1's `<<` merge keys. An
 * alias to a node weighing W (the most aliases any path through it expands
 * to, 1 without aliases) may be used N times while N × W ≤ `maxAliasCount`.
 */
export function constructYaml(root: YamlNode, schema: ScalarSchema, merge: boolean, maxAliasCount: number): unknown {
  const anchored = new Map<YamlNode, unknown>();
  const building = new Set<YamlNode>();
  const uses = new Map<YamlNode, { count: number; weight: number }>();

  const weight = (node: YamlNode): number => {
    if (node.kind === 'alias') {
      const use = uses.get(node.target);
      return use ? use.count * use.weight : 0;
    }
    if (node.kind === 'scalar') return 1;
    return node.items.flat().reduce((most, item) => Math.max(most, weight(item)), 0);
  };

  const remember = (node: YamlNode, result: unknown): unknown => {
    if (node.anchor) anchored.set(node, result);
    return result;
  };
  const scalar = (node: YamlScalar): unknown =>
    node.tag === '!' || (!node.plain && !node.tag) ? node.text : schema(node.text, node.tag);

  const mergeInto = (target: Record<string, unknown>, node: YamlNode): void => {
    const source = value(node);
    const resolved = node.kind === 'alias' ? node.target : node;
    for (const map of resolved.kind === 'seq' ? (source as unknown[]) : [source]) {
      if (map === null || typeof map !== 'object' || Array.isArray(map))
        throw new YamlValueError('a merge key "<<" takes a mapping or a list of mappings');
      for (const [key, item] of Object.entries(map)) if (!Object.hasOwn(target, key)) defineOwn(target, key, item);
    }
  };

  const value = (node: YamlNode): unknown => {
    if (node.kind === 'alias') {
      if (building.has(node.target)) throw new YamlValueError('contains a recursive alias');
      const use = uses.get(node.target) ?? { count: 0, weight: 0 };
      uses.set(node.target, use);
      use.count++;
      use.weight ||= weight(node.target);
      if (use.count * use.weight > maxAliasCount) throw new YamlValueError('expands aliases beyond the allowed limit');
      return anchored.get(node.target);
    }
    let result: unknown;
    if (node.kind === 'scalar') result = scalar(node);
    else {
      building.add(node);
      if (node.kind === 'seq') result = node.items.map(value);
      else {
        const map: Record<string, unknown> = {};
        for (const [key, item] of node.items) {
          remember(key, key.text);
          if (merge && key.plain && key.text === '<<') mergeInto(map, item);
          else defineOwn(map, key.text, value(item));
        }
        result = map;
      }
      building.delete(node);
    }
    return remember(node, result);
  };
  return value(root);
}
