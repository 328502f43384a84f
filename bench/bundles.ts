import { execFileSync } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { groups } from '../functions/groups.ts';
import { versus, type Figure } from './figures.ts';

export type BundleFigures = { name: string; bytes: number; importMs: number; clientNode: boolean };

const RUNS = 9;

// client-node's CJS dependencies call require(); an ESM bundle needs one.
const REQUIRE_BANNER =
  "import { createRequire as berthCreateRequire } from 'node:module'; const require = berthCreateRequire(import.meta.url);";

/** Bundles an entry as Lambda would run it: ESM, minified, Node 24, AWS SDK included. */
async function bundle(entry: string, outdir: string, name: string): Promise<{ file: string; metafile: Metafile }> {
  const file = join(outdir, `${name}.mjs`);
  const result = await build({
    entryPoints: [entry],
    outfile: file,
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    banner: { js: REQUIRE_BANNER },
    metafile: true,
    logLevel: 'error',
  });
  return { file, metafile: result.metafile };
}

/**
 * The CPU time (user + system, every thread) a fresh Node process spends
 * importing the bundle, module evaluation included. Not wall time: on this
 * shared 2-core machine a wall-time ratio moved by 0.2 from one run to the next
 * with the other users' load, and a Lambda's init, on a fraction of a vCPU, takes
 * time in proportion to the CPU work anyway.
 */
function coldImportMs(file: string): number {
  const env = {
    ...process.env,
    BERTH_TABLE: 'bench-table',
    BERTH_ENCRYPTION_KEY: '0'.repeat(64),
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
  };
  // Streaming entries use the Lambda runtime's awslambda global; stand in for it, outside the timing.
  const runtime =
    'globalThis.awslambda = { streamifyResponse: (handler) => handler, HttpResponseStream: { from: (stream) => stream } };';
  const script = `${runtime} const before = process.cpuUsage(); await import(${JSON.stringify(file)}); const { user, system } = process.cpuUsage(before); process.stdout.write(String((user + system) / 1000));`;
  return Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8' }));
}

const median = (samples: number[]) => samples.toSorted((a, b) => a - b)[Math.floor(samples.length / 2)]!;

const DB_REFERENCE = 'reference: Hono + DocumentClient + valibot';
const CLUSTER_REFERENCE = 'reference: Hono + DocumentClient + valibot + client-node';

/**
 * Cold start: each function's bundle size and cold import time next to the
 * reference bundle of its kind, bundled the same way: the minimal Hono +
 * DocumentClient + valibot function for functions that never touch a
 * cluster, the same plus client-node for those that do (target 1.2x each).
 */
export async function measureColdStart(): Promise<Figure[]> {
  const bundles = await measureBundles();
  const reference = (name: string) => bundles.find((bundle) => bundle.name === name)!;
  return bundles
    .filter((bundle) => !bundle.name.startsWith('reference:'))
    .flatMap((bundle) => {
      const anchor = reference(bundle.clientNode ? CLUSTER_REFERENCE : DB_REFERENCE);
      const anchorName = bundle.clientNode ? 'minimal + client-node' : 'minimal DB-only';
      return [
        versus(
          'bundles',
          `${bundle.name}: bundle size`,
          'KB',
          bundle.bytes / 1024,
          {
            name: anchorName,
            value: anchor.bytes / 1024,
          },
          1.2,
        ),
        versus(
          'bundles',
          `${bundle.name}: cold import`,
          'ms',
          bundle.importMs,
          {
            name: anchorName,
            value: anchor.importMs,
          },
          1.2,
        ),
      ];
    });
}

async function measureBundles(): Promise<BundleFigures[]> {
  const outdir = mkdtempSync(join(tmpdir(), 'berth-bench-'));
  const entries = [
    { name: DB_REFERENCE, entry: 'bench/reference/minimal.ts' },
    { name: CLUSTER_REFERENCE, entry: 'bench/reference/cluster-minimal.ts' },
    ...groups.map((group) => ({ name: group.name, entry: `functions/${group.name}/index.ts` })),
    { name: 'worker', entry: 'functions/worker/index.ts' },
    { name: 'scheduled', entry: 'functions/scheduled/index.ts' },
  ];
  const bundles = [];
  for (const [index, { name, entry }] of entries.entries()) {
    const { file, metafile } = await bundle(entry, outdir, `bundle-${index}`);
    const clientNode = Object.keys(metafile.inputs).some((input) =>
      input.includes('node_modules/@kubernetes/client-node/'),
    );
    bundles.push({ name, file, bytes: statSync(file).size, clientNode, samples: [] as number[] });
  }
  // Round by round, every bundle once: a spell of load from the machine's other users falls on every bundle alike,
  // not on the few measured during it.
  for (let run = 0; run < RUNS; run++) for (const bundle of bundles) bundle.samples.push(coldImportMs(bundle.file));
  execFileSync('rm', ['-rf', outdir]);
  return bundles.map(({ name, bytes, clientNode, samples }) => ({
    name,
    bytes,
    importMs: median(samples),
    clientNode,
  }));
}
