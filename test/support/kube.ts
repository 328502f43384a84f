import { randomBytes } from 'node:crypto';
import { AppsV1Api, CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { inject } from 'vitest';
import { startLocalCluster, type LocalCluster } from '../../scripts/local-cluster.ts';
import { eventually } from './harness.ts';

/**
 * An independent view of the test cluster, straight through client-node, so
 * tests check what Berth did without asking Berth.
 */
export function kube() {
  const config = new KubeConfig();
  config.loadFromString(inject('kubeconfig'));
  return { core: config.makeApiClient(CoreV1Api), apps: config.makeApiClient(AppsV1Api) };
}

/** A fresh namespace for one test file; delete it in afterAll. */
export async function createNamespace(prefix: string): Promise<{ name: string; remove(): Promise<void> }> {
  const name = `${prefix}-${randomBytes(4).toString('hex')}`;
  const { core } = kube();
  await core.createNamespace({ body: { metadata: { name } } });
  // A namespace is usable for pods once its default ServiceAccount exists.
  await eventually(async () =>
    (await core.readNamespacedServiceAccount({ name: 'default', namespace: name })) ? true : undefined,
  );
  return { name, remove: async () => void (await core.deleteNamespace({ name }).catch(() => undefined)) };
}

/** Waits until exactly `count` pods match and all of them run with an IP. */
export async function runningPods(
  namespace: string,
  labelSelector: string,
  count: number,
  timeoutMs = 60_000,
): Promise<V1Pod[]> {
  const { core } = kube();
  return eventually(
    async () => {
      const pods = (await core.listNamespacedPod({ namespace, labelSelector })).items.filter(
        (pod) => !pod.metadata?.deletionTimestamp,
      );
      const ready = pods.length === count && pods.every((pod) => pod.status?.phase === 'Running' && pod.status.podIP);
      return ready ? pods : undefined;
    },
    { timeoutMs, intervalMs: 250 },
  );
}

/** A one-replica Deployment `name` (label `app=<name>`) running `image`, once its pod runs: a target for rollouts. */
export async function runningDeployment(namespace: string, name: string, image: string): Promise<void> {
  await kube().apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: name } },
        template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image }] } },
      },
    },
  });
  await runningPods(namespace, `app=${name}`, 1);
}

/** The local control plane, when the tests run on it (not on BERTH_TEST_KUBECONFIG). */
export async function localControlPlane(): Promise<LocalCluster | undefined> {
  const dataDir = inject('clusterDataDir');
  return dataDir ? startLocalCluster({ dataDir }) : undefined;
}
