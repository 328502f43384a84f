import { measureBundles } from './bundles.ts';
import { measureEnvironments } from './environments.ts';
import { measureHooks } from './hooks.ts';
import { HEAP_GROWTH_BOUND_BYTES, measureLoad } from './load.ts';
import type { ServerReport } from './load-server.ts';
import { measureOteDeploys } from './ote-deploys.ts';
import { measureSseLogs } from './sse-logs.ts';
import { measureVKube } from './v-kube.ts';
import { measureZadigServices } from './zadig-services.ts';

/**
 * `npm run bench`: the performance figures the issues ask for, printed as tables.
 * `npm run bench -- load` runs only the load figures (two minutes of a saturated machine, so never by default);
 * `npm run bench -- hooks` only the event-triggered deploy figures.
 */
const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

console.log(`Berth bench on Node ${process.version}\n`);
if (process.argv[2] === 'load') await printLoad();
else if (process.argv[2] === 'hooks') await printHooks();
else await printDefault();

async function printHooks() {
  console.log('## Event-triggered deploys (DynamoDB Local, Debian registry, local control plane)\n');
  console.log('| measure | value |');
  console.log('|---|---:|');
  for (const [measure, value] of await measureHooks()) console.log(`| ${measure} | ${value} |`);
}

async function printLoad() {
  const { seconds, connections, results, berth } = await measureLoad();
  console.log(
    `## Load (loopback, ${seconds} s per target at ${connections} connections; undici driver in this process)\n`,
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

async function printDefault() {
  console.log(
    '## Function bundles (esbuild, ESM, minified, AWS SDK bundled; cold import = median of 7 fresh processes)\n',
  );
  const bundles = await measureBundles();
  const yardstick = bundles.find((bundle) => bundle.name.includes('DocumentClient'))!;
  console.log('| bundle | size | vs minimal | cold import | vs minimal | client-node |');
  console.log('|---|---:|---:|---:|---:|---|');
  for (const bundle of bundles) {
    console.log(
      `| ${bundle.name} | ${kb(bundle.bytes)} | ${(bundle.bytes / yardstick.bytes).toFixed(2)}x | ${bundle.importMs.toFixed(1)} ms | ${(bundle.importMs / yardstick.importMs).toFixed(2)}x | ${bundle.clientNode ? 'yes' : 'no'} |`,
    );
  }

  console.log('\n## Zadig services (DynamoDB Local, app.request)\n');
  console.log('| measure | value |');
  console.log('|---|---:|');
  for (const [measure, value] of await measureZadigServices()) console.log(`| ${measure} | ${value} |`);

  console.log('\n## V-Kube regions and host-port checks (local control plane, DynamoDB Local)\n');
  console.log('| measure | value |');
  console.log('|---|---:|');
  for (const [measure, value] of await measureVKube()) console.log(`| ${measure} | ${value} |`);

  // Logs before environments: the 5,000-pod environment keeps the local cluster busy for minutes after it is deleted.
  console.log('\n## Container logs over SSE (local control plane, kwok)\n');
  console.log('| measure | value |');
  console.log('|---|---:|');
  for (const [measure, value] of await measureSseLogs()) console.log(`| ${measure} | ${value} |`);

  console.log('\n## ote-stack deployments (local control plane, DynamoDB Local)\n');
  console.log('| measure | value |');
  console.log('|---|---:|');
  for (const [measure, value] of await measureOteDeploys()) console.log(`| ${measure} | ${value} |`);

  console.log('\n## Zadig environments (local control plane, DynamoDB Local)\n');
  console.log('| measure | value |');
  console.log('|---|---:|');
  for (const [measure, value] of await measureEnvironments()) console.log(`| ${measure} | ${value} |`);
}
