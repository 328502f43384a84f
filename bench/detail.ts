import { AppsV1Api, CoreV1Api, KubeConfig, type RequestContext } from '@kubernetes/client-node';
import { Agent } from 'undici';
import { createEnvironment } from '../core/environments/manage-environments.ts';
import { getEnvironment } from '../core/environments/read-environments.ts';
import { runOperation } from '../core/environments/run-operation.ts';
import { countingConnections } from './counting.ts';
import { counted, timed, versus, type Figure } from './figures.ts';
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

const RUNS = 7;

/**
 * Env detail of 10 services (10 pods) and of 500 services (5,000 pods):
 * Berth's use-case (table reads included) next to the raw per-kind lists it
 * needs (pods, deployments, statefulsets, daemonsets of the namespace), sent
 * at once with client-node as it comes, in the same run (the anchor);
 * the same lists over one keep-alive pool as a second, stricter anchor
 * (client-node as it comes opens a TLS connection per call); and the API
 * server requests Berth made, which must not grow with the services.
 */
export async function measureDetail(): Promise<Figure[]> {
  const kubeconfig = await benchKubeconfig();
  const dynamo = await startBenchDynamo();
  const { ctx } = dynamo;
  const counter = { kube: 0 };
  const connections = countingConnections(benchConnections(ctx), counter);
  const suffix = uniqueSuffix();
  const sizes = (process.env['BENCH_DETAIL_SIZES'] ?? '10,500').split(',').map(Number);
  const namespaces: string[] = [];
  const figures: Figure[] = [];
  const asItComes = listClients(new KubeConfig(), kubeconfig);
  const pooled = listClients(new KeepAliveKubeConfig(), kubeconfig);
  const { core } = asItComes;
  try {
    await seedWorld(ctx, kubeconfig, Math.max(...sizes));
    const calls: number[] = [];
    for (const size of sizes) {
      const podsPerService = size >= 100 ? 10 : 1;
      const namespace = `bench-detail${size}-${suffix}`;
      namespaces.push(namespace);
      const envKey = `detail${size}`;
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
          services: envServicesOf(size, podsPerService),
          configs: [],
        },
      });
      await runOperation({ ctx, connections, id: operationId });
      await waitForPods(core, namespace, size * podsPerService);

      const rawLists =
        ({ core, apps }: ListClients) =>
        () =>
          Promise.all([
            core.listNamespacedPod({ namespace }),
            apps.listNamespacedDeployment({ namespace }),
            apps.listNamespacedStatefulSet({ namespace }),
            apps.listNamespacedDaemonSet({ namespace }),
          ]);
      const detail = () =>
        getEnvironment({ ctx, principal: admin, projectKey: BENCH_PROJECT, scope: 'test', envKey, connections });
      await rawLists(asItComes)();
      await rawLists(pooled)();
      await detail();
      const raw = await timed(RUNS, rawLists(asItComes));
      const rawPooled = await timed(RUNS, rawLists(pooled));
      counter.kube = 0;
      const berth = await timed(RUNS, detail);
      calls.push(counter.kube / RUNS);
      figures.push(
        versus(
          'detail',
          `env detail, ${size} services, ${size * podsPerService} pods (median of ${RUNS})`,
          'ms',
          berth,
          { name: 'raw per-kind lists (client-node)', value: raw },
          1.3,
        ),
        versus('detail', `env detail, ${size} services, next to pooled lists (median of ${RUNS})`, 'ms', berth, {
          name: 'raw per-kind lists (client-node, one keep-alive pool)',
          value: rawPooled,
        }),
        counted('detail', `env detail, ${size} services: Kubernetes requests`, 'calls', counter.kube / RUNS, calls[0]),
      );
    }
  } finally {
    await deleteNamespaces(kubeconfig, namespaces);
    await dynamo.stop();
  }
  return figures;
}

type ListClients = { core: CoreV1Api; apps: AppsV1Api };

function listClients(config: KubeConfig, kubeconfig: string): ListClients {
  config.loadFromString(kubeconfig);
  return { core: config.makeApiClient(CoreV1Api), apps: config.makeApiClient(AppsV1Api) };
}

/**
 * client-node as a careful user sets it up for the stricter anchor: every call over one
 * keep-alive HTTP/1.1 pool. Out of the box, client-node 2.x builds a new
 * dispatcher, and so a new TLS connection, for every call.
 */
class KeepAliveKubeConfig extends KubeConfig {
  #pool: Agent | undefined;

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const options: { ca?: Buffer; cert?: Buffer; key?: Buffer } = {};
    if (!this.#pool) {
      await this.applyToHTTPSOptions(options);
      this.#pool = new Agent({ connect: { ca: options.ca, cert: options.cert, key: options.key }, allowH2: false });
    }
    context.setDispatcher(this.#pool as never);
  }
}

/** Waits (up to 10 minutes) until kwok reports every pod of the namespace Running. */
async function waitForPods(core: CoreV1Api, namespace: string, count: number) {
  const started = performance.now();
  for (;;) {
    const pods = await core.listNamespacedPod({ namespace });
    if (pods.items.filter((pod) => pod.status?.phase === 'Running').length >= count) return;
    if (performance.now() - started > 600_000) throw new Error(`${count} pods not Running in ${namespace} in 10 min`);
    await new Promise((done) => setTimeout(done, 2000));
  }
}
