/**
 * Berth's renderer held against Go's own `text/template` fed through
 * `gopkg.in/yaml.v2`, as Zadig runs it: every case of `test/oracle/corpus.json`
 * is rendered by the Go program in `test/oracle` and by Berth, and the two
 * must agree (same output, or both failing with the same class of error),
 * unless the case names a deliberate difference that `docs/decisions.md`
 * lists, in which case Berth must give the result the case pins and Go must
 * still give another (a stale decision fails).
 *
 * Needs Go (CI has it) and the oracle's module in the module cache (`.ci/run`
 * runs `go mod download` in `test/oracle`); the build never reaches the network.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../core/errors.ts';
import { parseTemplate, renderTemplate } from '../../core/render/template.ts';
import { templateData } from '../../core/render/go-data.ts';

type ErrorClass = 'parse' | 'yaml' | 'missingkey' | 'exec';

/** What a renderer gives for a case: its output, or the class of its error (and the key a missing-key error names). */
type Outcome = { readonly output: string } | { readonly error: ErrorClass; readonly key?: string };

interface OracleCase {
  readonly name: string;
  readonly template: string;
  /** The variables YAML, the template's data. */
  readonly variables: string;
  /** A deliberate difference: the `docs/decisions.md` entry naming this case explains it. */
  readonly decision?: true;
  /** Berth's result where it differs on purpose. */
  readonly berth?: Outcome;
}

interface GoResult {
  readonly output?: string;
  readonly error?: { readonly class: ErrorClass; readonly key?: string; readonly message: string };
}

const root = resolve(import.meta.dirname, '../..');
const oracleDir = join(root, 'test/oracle');
const corpus = JSON.parse(readFileSync(join(oracleDir, 'corpus.json'), 'utf8')) as OracleCase[];
const decisions = readFileSync(join(root, 'docs/decisions.md'), 'utf8');

/** The oracle's results, or why it could not run; computed once, before every case. */
let goRun: { readonly results: Record<string, GoResult> } | { readonly failure: Error } | undefined;

/**
 * Builds the oracle and runs it on the corpus. A warm Go build cache makes the
 * build a fraction of a second; a fresh machine compiles the standard library
 * first (14 s on an idle machine of this kind, more under the suite's load:
 * a clean CI run failed the first case on its 5 s timeout), so it runs in
 * `beforeAll` with its own budget.
 */
function runGo(): Record<string, GoResult> {
  const binary = join(root, '.berth/template-oracle/oracle');
  mkdirSync(join(root, '.berth/template-oracle'), { recursive: true });
  const env = { ...process.env, GOTOOLCHAIN: 'local', GOPROXY: 'off', GOFLAGS: '-mod=readonly' };
  try {
    execFileSync('go', ['build', '-o', binary, '.'], { cwd: oracleDir, env, stdio: 'pipe' });
  } catch (error) {
    const detail = (error as { stderr?: Buffer }).stderr?.toString() || (error as Error).message;
    throw new Error(
      `The Go template oracle (test/oracle) does not build: ${detail.trim()}\n` +
        'It needs Go on the PATH and its module in the cache: run `go mod download` in test/oracle (.ci/run does).',
    );
  }
  const output = execFileSync(binary, [join(oracleDir, 'corpus.json')], { encoding: 'utf8', maxBuffer: 1 << 26 });
  return JSON.parse(output) as Record<string, GoResult>;
}

const GO_BUILD_BUDGET_MS = 300_000;

beforeAll(() => {
  try {
    goRun = { results: runGo() };
  } catch (error) {
    goRun = { failure: error as Error };
  }
}, GO_BUILD_BUDGET_MS);

function renderWithGo(): Record<string, GoResult> {
  if (goRun === undefined) throw new Error('the oracle did not run');
  if ('failure' in goRun) throw goRun.failure;
  return goRun.results;
}

const goOutcome = ({ output, error }: GoResult): Outcome => {
  if (error === undefined) return { output: output ?? '' };
  return error.class === 'missingkey' ? { error: error.class, key: error.key ?? '' } : { error: error.class };
};

/** The last segment of a missing-key path (`b.c` -> `c`, `m["k-1"]` -> `k-1`): the key Go's error names. */
const lastSegment = (path: string): string => {
  const quoted = /\["((?:[^"\\]|\\.)*)"\]$/.exec(path);
  if (quoted) return JSON.parse(`"${quoted[1]}"`) as string;
  return path.split(/[.\]]/).at(-1) ?? path;
};

function renderWithBerth({ template, variables }: OracleCase): Outcome {
  const failure = (stage: 'parse' | 'yaml' | 'render', run: () => unknown): Outcome | undefined => {
    try {
      run();
      return undefined;
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      if (stage !== 'render') return { error: stage };
      const listed = /^template validate err: missing keys \[(.*)\]$/s.exec(error.message)?.[1];
      // the first listed path; a quoted segment may hold spaces
      const missing = listed && /^(?:[^\s"]|"(?:[^"\\]|\\.)*")+/.exec(listed);
      return missing ? { error: 'missingkey', key: lastSegment(missing[0]) } : { error: 'exec' };
    }
  };
  let parsed: ReturnType<typeof parseTemplate> | undefined;
  let data: Record<string, unknown> = {};
  let output = '';
  return (
    failure('parse', () => {
      parsed = parseTemplate(template);
    }) ??
    failure('yaml', () => {
      data = templateData(variables);
    }) ??
    failure('render', () => {
      output = renderTemplate(parsed!, data);
    }) ?? { output }
  );
}

describe('the template corpus renders as Go text/template with yaml.v2 data renders it', () => {
  it('is a corpus of at least 100 distinct cases', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(100);
    expect(new Set(corpus.map((c) => c.name)).size).toBe(corpus.length);
  });

  it.each(corpus.filter((c) => !c.decision).map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const go = renderWithGo()[c.name];
    expect(go, 'the oracle rendered the case').toBeDefined();
    expect(renderWithBerth(c)).toEqual(goOutcome(go!));
  });
});

describe('deliberate differences from Go, each listed in docs/decisions.md', () => {
  it.each(corpus.filter((c) => c.decision).map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(decisions, 'docs/decisions.md names the case').toContain(`\`${c.name}\``);
    expect(c.berth, 'the case pins what Berth gives').toBeDefined();
    expect(renderWithBerth(c)).toEqual(c.berth);
    expect(goOutcome(renderWithGo()[c.name]!), 'Go still differs (otherwise drop the decision)').not.toEqual(c.berth);
  });
});
