import { measureBundles } from './bundles.ts';
import { measureEnvironments } from './environments.ts';
import { measureSseLogs } from './sse-logs.ts';
import { measureVKube } from './v-kube.ts';
import { measureZadigServices } from './zadig-services.ts';

/** `npm run bench`: the performance figures the issues ask for, printed as tables. */
const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;

console.log(`Berth bench on Node ${process.version}\n`);
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

console.log('\n## Zadig environments (local control plane, DynamoDB Local)\n');
console.log('| measure | value |');
console.log('|---|---:|');
for (const [measure, value] of await measureEnvironments()) console.log(`| ${measure} | ${value} |`);
