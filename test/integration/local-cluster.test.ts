/**
 * The local control plane behaves like the real Kubernetes Berth drives:
 * two nodes in two regions, scheduled pods with IPs, pod logs through the
 * API server, the Istio CRDs. It checks the plane the test run shares (see
 * global-setup.ts); on BERTH_TEST_KUBECONFIG there is no local plane to check.
 */
import { ApiextensionsV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { localClusterStatus, type LocalCluster } from '../../scripts/local-cluster.ts';
import { createNamespace, kube, localControlPlane, runningPods } from '../support/kube.ts';

const dataDir = inject('clusterDataDir');

describe.runIf(dataDir !== null)('the local control plane', () => {
  let plane: LocalCluster;
  let namespace: { name: string; remove(): Promise<void> };
  beforeAll(async () => {
    plane = (await localControlPlane())!;
    namespace = await createNamespace('launcher');
  });
  afterAll(() => namespace.remove());

  it('reports every process alive, on loopback', async () => {
    const status = await localClusterStatus(dataDir!);
    expect(status.running).toBe(true);
    expect(status.processes.map((process) => [process.name, process.alive])).toEqual([
      ['etcd', true],
      ['kube-apiserver', true],
      ['kube-controller-manager', true],
      ['kube-scheduler', true],
      ['kwok', true],
    ]);
    expect(status.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('has two Ready kwok nodes in two regions', async () => {
    const nodes = (await kube().core.listNode()).items;
    expect(nodes.map((node) => [node.metadata?.name, node.metadata?.labels?.['region']]).sort()).toEqual([
      ['kwok-node-a', 'cn-north'],
      ['kwok-node-b', 'cn-south'],
    ]);
    for (const node of nodes)
      expect(node.status?.conditions?.find((condition) => condition.type === 'Ready')?.status).toBe('True');
  });

  it('runs a Deployment of 2 replicas as 2 Running pods with IPs, and serves their logs', async () => {
    await kube().apps.createNamespacedDeployment({
      namespace: namespace.name,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
          },
        },
      },
    });
    const pods = await runningPods(namespace.name, 'app=web', 2);
    expect(new Set(pods.map((pod) => pod.spec?.nodeName)).size).toBeGreaterThan(0);

    const line = `launcher-log-${Date.now()}`;
    await plane.appendLog(line);
    const log = await kube().core.readNamespacedPodLog({
      name: pods[0]!.metadata!.name!,
      namespace: namespace.name,
      container: 'web',
    });
    expect(log).toContain(line);
  });

  it('has the Istio CRDs installed and established', async () => {
    const config = new KubeConfig();
    config.loadFromString(plane.kubeconfig);
    const crd = await config
      .makeApiClient(ApiextensionsV1Api)
      .readCustomResourceDefinition({ name: 'virtualservices.networking.istio.io' });
    expect(crd.status?.conditions?.find((condition) => condition.type === 'Established')?.status).toBe('True');
  });
});
