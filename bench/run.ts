import { measureBundles } from './bundles.ts';
import { measureEnvironments } from './environments.ts';
import { measureSseLogs } from './sse-logs.ts';
import { measureVKube } from './v-kube.ts';
import { measureZadigServices } from './zadig-services.ts';

/**
 * `npm run bench`: the performance figures the issues ask for, printed as
 * tables. `npm run bench -- v-kube sse-logs` runs only the sections named.
 */
const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;
const only = process.argv.slice(2);
const wanted = (section: string) => only.length === 0 || only.includes(section);

async function table(title: string, rows: () => Promise<Array<[string, string]>>) {
  console.log(`\n## ${title}\n`);
  console.log('| measure | value |');
  console.log('|---|---:|');
  for (const [measure, value] of await rows()) console.log(`| ${measure} | ${value} |`);
}

console.log(`Berth bench on Node ${process.version}`);
if (wanted('bundles')) {
  console.log(
    '\n## Function bundles (esbuild, ESM, minified, AWS SDK bundled; cold import = median of 7 fresh processes)\n',
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
}
if (wanted('zadig-services')) await table('Zadig services (DynamoDB Local, app.request)', measureZadigServices);
if (wanted('v-kube'))
  await table('V-Kube regions and host-port checks (local control plane, DynamoDB Local)', measureVKube);
// Logs before environments: the 5,000-pod environment keeps the local cluster busy for minutes after it is deleted.
if (wanted('sse-logs')) await table('Container logs over SSE (local control plane, kwok)', measureSseLogs);
if (wanted('environments'))
  await table('Zadig environments (local control plane, DynamoDB Local)', measureEnvironments);
