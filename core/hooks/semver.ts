/**
 * The part of Semantic Versioning 2.0 image tags need: parsing (a leading `v`
 * allowed, as tags often carry one), precedence, and npm-style ranges
 * (`^1.2`, `~1.2.3`, `1.x`, `>=1.2 <2`, `a || b`), the syntax Flux and Argo
 * CD Image Updater users already write.
 */
export type SemVer = { major: number; minor: number; patch: number; prerelease: string[] };

const VERSION =
  /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z.-]+)?$/;

export function parseSemVer(text: string): SemVer | undefined {
  const match = VERSION.exec(text);
  if (!match) return undefined;
  return {
    major: Number(match[1]),
    minor: Number(match[2]),
    patch: Number(match[3]),
    prerelease: match[4] ? match[4].split('.') : [],
  };
}

/** Precedence as SemVer §11 orders it: negative when `a` is older. Build metadata is ignored. */
export function compareSemVer(a: SemVer, b: SemVer): number {
  for (const part of ['major', 'minor', 'patch'] as const) if (a[part] !== b[part]) return a[part] - b[part];
  if (a.prerelease.length === 0 || b.prerelease.length === 0) return b.prerelease.length - a.prerelease.length;
  for (let index = 0; index < Math.max(a.prerelease.length, b.prerelease.length); index++) {
    const left = a.prerelease[index];
    const right = b.prerelease[index];
    if (left === undefined) return -1;
    if (right === undefined) return 1;
    if (left === right) continue;
    const leftNumeric = /^\d+$/.test(left);
    const rightNumeric = /^\d+$/.test(right);
    if (leftNumeric && rightNumeric) return Number(left) - Number(right);
    if (leftNumeric !== rightNumeric) return leftNumeric ? -1 : 1;
    return left < right ? -1 : 1;
  }
  return 0;
}

type Comparator = { operator: '<' | '<=' | '>' | '>=' | '='; version: SemVer };

/** A range: alternatives (`||`), each a set of comparators that must all hold. */
export type SemVerRange = Comparator[][];

const PARTIAL = /^v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:-([0-9A-Za-z.-]+))?$/;

/** Parses a range; undefined when it is not one. */
export function parseSemVerRange(text: string): SemVerRange | undefined {
  const alternatives = text.split('||').map((part) => part.trim());
  const parsed: SemVerRange = [];
  for (const alternative of alternatives) {
    if (alternative === '' || alternative === '*') {
      parsed.push([]);
      continue;
    }
    const comparators: Comparator[] = [];
    for (const token of alternative.split(/\s+/)) {
      const expanded = expandToken(token);
      if (!expanded) return undefined;
      comparators.push(...expanded);
    }
    parsed.push(comparators);
  }
  return parsed;
}

export function satisfies(version: SemVer, range: SemVerRange): boolean {
  return range.some((comparators) => {
    // As npm does: a pre-release only matches a range that names a pre-release of the same version.
    if (
      version.prerelease.length > 0 &&
      !comparators.some(
        ({ version: bound }) =>
          bound.prerelease.length > 0 &&
          bound.major === version.major &&
          bound.minor === version.minor &&
          bound.patch === version.patch,
      )
    )
      return false;
    return comparators.every(({ operator, version: bound }) => holds(operator, compareSemVer(version, bound)));
  });
}

function holds(operator: Comparator['operator'], order: number): boolean {
  switch (operator) {
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '>':
      return order > 0;
    case '>=':
      return order >= 0;
    case '=':
      return order === 0;
  }
}

const version = (major: number, minor = 0, patch = 0, prerelease: string[] = []): SemVer => ({
  major,
  minor,
  patch,
  prerelease,
});

function expandToken(token: string): Comparator[] | undefined {
  const operatorMatch = /^(\^|~|<=|>=|<|>|=)?(.*)$/.exec(token);
  const operator = operatorMatch?.[1] ?? '';
  const match = PARTIAL.exec(operatorMatch?.[2] ?? '');
  if (!match) return undefined;
  const wild = (part: string | undefined) => part === undefined || /^[xX*]$/.test(part);
  const [major, minor, patch] = [match[1], match[2], match[3]].map((part) => (wild(part) ? undefined : Number(part)));
  const prerelease = match[4] ? match[4].split('.') : [];
  // `*`, `x`: any version.
  if (major === undefined) return [];
  const low = version(major, minor ?? 0, patch ?? 0, prerelease);
  const nextMajor = version(major + 1, 0, 0, ['0']);
  const nextMinor = version(major, (minor ?? 0) + 1, 0, ['0']);
  const upperOfPartial = minor === undefined ? nextMajor : patch === undefined ? nextMinor : undefined;
  switch (operator) {
    case '^': {
      const upper =
        major > 0 || minor === undefined
          ? nextMajor
          : minor > 0 || patch === undefined
            ? nextMinor
            : version(0, 0, (patch ?? 0) + 1, ['0']);
      return [
        { operator: '>=', version: low },
        { operator: '<', version: upper },
      ];
    }
    case '~':
      return [
        { operator: '>=', version: low },
        { operator: '<', version: minor === undefined ? nextMajor : nextMinor },
      ];
    case '>':
      return upperOfPartial ? [{ operator: '>=', version: upperOfPartial }] : [{ operator: '>', version: low }];
    case '<=':
      return upperOfPartial ? [{ operator: '<', version: upperOfPartial }] : [{ operator: '<=', version: low }];
    case '<':
    case '>=':
      return [{ operator, version: low }];
    default:
      return upperOfPartial
        ? [
            { operator: '>=', version: low },
            { operator: '<', version: upperOfPartial },
          ]
        : [{ operator: '=', version: low }];
  }
}
