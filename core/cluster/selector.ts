/**
 * Matches labels against a label-selector string as Kubernetes writes it
 * (`a=b,c!=d,e in (f,g),h notin (i),j,!k`), so pods can be joined to their
 * workloads in memory after one list per kind.
 */
export function selectorMatcher(selector: string): (labels: Record<string, string>) => boolean {
  const terms = splitTerms(selector).map(parseTerm);
  return (labels) => terms.every((term) => term(labels));
}

/** The first `key=value` the selector requires, if any: every matching pod carries that label. */
export function requiredLabel(selector: string): string | undefined {
  for (const term of splitTerms(selector)) {
    const equality = term.match(EQUALITY);
    if (equality) return `${equality[1]}=${equality[2]!.trim()}`;
  }
  return undefined;
}

const INEQUALITY = /^([^\s!=]+)\s*!=\s*(.*)$/;
const EQUALITY = /^([^\s!=]+)\s*==?\s*(.*)$/;

function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of selector) {
    if (char === '(') depth++;
    if (char === ')') depth--;
    if (char === ',' && depth === 0) {
      terms.push(current.trim());
      current = '';
    } else current += char;
  }
  if (current.trim() !== '') terms.push(current.trim());
  return terms.filter((term) => term !== '');
}

function parseTerm(term: string): (labels: Record<string, string>) => boolean {
  const set = term.match(/^([^\s!=]+)\s+(in|notin)\s+\((.*)\)$/);
  if (set) {
    const values = set[3]!.split(',').map((value) => value.trim());
    return set[2] === 'in'
      ? (labels) => values.includes(labels[set[1]!] ?? '\u0000')
      : (labels) => !values.includes(labels[set[1]!] ?? '\u0000');
  }
  const inequality = term.match(INEQUALITY);
  if (inequality) return (labels) => labels[inequality[1]!] !== inequality[2]!.trim();
  const equality = term.match(EQUALITY);
  if (equality) return (labels) => labels[equality[1]!] === equality[2]!.trim();
  if (term.startsWith('!')) return (labels) => !(term.slice(1) in labels);
  return (labels) => term in labels;
}
