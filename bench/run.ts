import { measureApply } from './apply.ts';
import { measureColdStart } from './bundles.ts';
import { measureConnections } from './connections.ts';
import { measureDetail } from './detail.ts';
import { printFigures, writeFigures, type Figure } from './figures.ts';
import { measureHelm } from './helm.ts';
import { measureHooks } from './hooks.ts';
import { measureLists } from './lists.ts';
import { measureOteDeploys } from './ote-deploys.ts';
import { HEAP_GROWTH_BOUND_BYTES, measureLoad } from './load.ts';
import type { ServerReport } from './load-server.ts';
import { measureSseLogs } from './sse-logs.ts';
import { measureVKube } from './v-kube.ts';
import { measureWrites } from './writes.ts';
import { measureZadigServices } from './zadig-services.ts';

/**
 * `npm run bench`: each figure next to its anchor (the tool a user would use
 * instead, measured in the same run), as a ratio against the issue's target;
 * written to `.berth/bench.json` so a branch can be compared with main.
 * `npm run bench -- apply detail` runs only those pieces; `load` (two minutes
 * of a saturated machine) runs only when named.
 */
const PIECES: Record<string, { title: string; measure: () => Promise<Figure[]> }> = {
  apply: { title: 'Environment apply: Berth’s worker vs kubectl apply --server-side', measure: measureApply },
  detail: { title: 'Env detail: Berth vs the raw per-kind lists (client-node)', measure: measureDetail },
  connections: {
    title: 'Cluster connections: Berth’s gateway vs a keep-alive https agent',
    measure: measureConnections,
  },
  lists: { title: 'Paged lists (DynamoDB Local)', measure: measureLists },
  writes: { title: 'DynamoDB requests per mutating request (and its worker run)', measure: measureWrites },
  bundles: {
    title:
      'Cold start (esbuild ESM bundles, minified, AWS SDK bundled; cold import = CPU time of the import, median of 9 processes taken in rounds over all bundles)',
    measure: measureColdStart,
  },
};
const UNANCHORED: Record<string, { title: string; measure: () => Promise<Array<[string, string]>> }> = {
  services: { title: 'Zadig services (DynamoDB Local, app.request)', measure: measureZadigServices },
  logs: { title: 'Container logs over SSE (local control plane, kwok)', measure: measureSseLogs },
  vkube: {
    title: 'V-Kube regions and host-port checks (local control plane, DynamoDB Local)',
    measure: measureVKube,
  },
  ote: { title: 'ote-stack deployments (local control plane, DynamoDB Local)', measure: measureOteDeploys },
  helm: { title: 'Helm releases (local control plane, local registry; medians of 3)', measure: measureHelm },
  hooks: {
    title: 'Event-triggered deploys (DynamoDB Local, Debian registry, local control plane)',
    measure: measureHooks,
  },
};

const BENCH_JSON = '.berth/bench.json';

const asked = process.argv.slice(2);
const known = [...Object.keys(PIECES), ...Object.keys(UNANCHORED), 'load'];
const unknown = asked.filter((piece) => !known.includes(piece));
if (unknown.length > 0) {
  console.error(`unknown bench piece(s): ${unknown.join(', ')}; known: ${known.join(', ')}`);
  process.exit(2);
}
const pieces = asked.length > 0 ? asked : known.filter((piece) => piece !== 'load');

console.log(`Berth bench on Node ${process.version}: ${pieces.join(', ')}`);
const figures: Figure[] = [];
for (const piece of pieces) {
  const anchored = PIECES[piece];
  if (anchored) {
    const measured = await anchored.measure();
    printFigures(anchored.title, measured);
    figures.push(...measured);
    writeFigures(BENCH_JSON, [piece], measured);
  }
  const unanchored = UNANCHORED[piece];
  if (unanchored) {
    console.log(`\n## ${unanchored.title} (no anchor)\n`);
    console.log('| measure | value |');
    console.log('|---|---:|');
    for (const [measure, value] of await unanchored.measure()) console.log(`| ${measure} | ${value} |`);
  }
  if (piece === 'load') await printLoad();
}
const missed = figures.filter((figure) => figure.met === false);
console.log(
  `\n${figures.length} figures written to ${BENCH_JSON}; ${missed.length} short of target${
    missed.length > 0 ? `: ${missed.map((figure) => `${figure.piece} ${figure.measure}`).join('; ')}` : ''
  }`,
);

async function printLoad() {
  const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  const { seconds, connections, results, berth } = await measureLoad();
  console.log(
    `\n## Load (loopback, ${seconds} s per target at ${connections} connections; autocannon 9 in this process)\n`,
  );
  const bare = results[0]!;
  console.log('| target | requests | req/s | vs bare Hono | p50 | p99 | errors |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const result of results) {
    console.log(
      `| ${result.name} | ${result.requests} | ${result.perSecond.toFixed(0)} | ${(result.perSecond / bare.perSecond).toFixed(3)}x | ${result.p50Ms.toFixed(1)} ms | ${result.p99Ms.toFixed(1)} ms | ${result.errors} |`,
    );
  }
  for (const result of results.filter((entry) => entry.firstError !== undefined))
    console.log(`\nfirst error of ${result.name}: ${result.firstError}`);
  const { before, after } = berth;
  const heapGrowth = after.memory.heapUsedBytes - before.memory.heapUsedBytes;
  console.log('\n| Berth server | before | after | growth |');
  console.log('|---|---:|---:|---:|');
  console.log(
    `| RSS | ${mb(before.memory.rssBytes)} | ${mb(after.memory.rssBytes)} | ${mb(after.memory.rssBytes - before.memory.rssBytes)} |`,
  );
  console.log(
    `| heap used after full GC | ${mb(before.memory.heapUsedBytes)} | ${mb(after.memory.heapUsedBytes)} | ${mb(heapGrowth)} (bound ${mb(HEAP_GROWTH_BOUND_BYTES)}: ${heapGrowth <= HEAP_GROWTH_BOUND_BYTES ? 'within' : 'EXCEEDED'}) |`,
  );
  const during = (count: keyof ServerReport['log']) => after.log[count] - before.log[count];
  console.log(
    `\nrequest log during the load: ${during('requests')} lines, ${during('serverErrors')} with a 5xx, ${during('clusterRetries')} cluster retries`,
  );
  if (heapGrowth > HEAP_GROWTH_BOUND_BYTES) process.exitCode = 1;
}
