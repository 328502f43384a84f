import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { KindNotServedError, type KubeCluster, type KubeObject } from '../../core/cluster/gateway.ts';
import { createKubeCluster } from '../../core/cluster/kube-cluster.ts';
import { NotFoundError, UnavailableError } from '../../core/errors.ts';
import { eventually } from '../support/harness.ts';
import { createNamespace, kube, localControlPlane, runningPods } from '../support/kube.ts';
import { UNREACHABLE_SERVER, kubeconfigFor } from '../support/kubeconfigs.ts';

let cluster: KubeCluster;
let namespace: { name: string; remove(): Promise<void> };

const podTemplate = (app: string, containers: Array<{ name: string; image: string }>) => ({
  metadata: { labels: { app } },
  spec: { containers },
});

const objects = (ns: string): KubeObject[] => [
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: ns }, data: { mode: 'fast' } },
  { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'credentials' }, stringData: { password: 'hunter2' } },
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: podTemplate('web', [
        { name: 'web', image: 'nginx:1.27' },
        { name: 'sidecar', image: 'envoy:1.0' },
      ]),
    },
  },
  {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'db' },
    spec: {
      replicas: 1,
      serviceName: 'db',
      selector: { matchLabels: { app: 'db' } },
      template: podTemplate('db', [{ name: 'db', image: 'postgres:16' }]),
    },
  },
  {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'report' },
    spec: {
      schedule: '0 3 * * *',
      jobTemplate: {
        spec: {
          template: { spec: { restartPolicy: 'Never', containers: [{ name: 'report', image: 'busybox:1.36' }] } },
        },
      },
    },
  },
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', labels: { tier: 'front' } },
    spec: { selector: { app: 'web' }, ports: [{ port: 80 }] },
  },
  {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'web' },
    spec: {
      rules: [
        {
          host: 'web.test',
          http: {
            paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }],
          },
        },
      ],
    },
  },
  {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'data' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
  },
  {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'web' },
    spec: { hosts: ['web'], http: [{ route: [{ destination: { host: 'web' } }] }] },
  },
];

beforeAll(async () => {
  cluster = createKubeCluster(inject('kubeconfig'), { timeoutMs: 10_000 });
  namespace = await createNamespace('gateway');
});
afterAll(() => namespace.remove());

describe('server-side apply', () => {
  it('applies multi-kind manifests (built-in and CRD) with one result per object', async () => {
    const results = await cluster.apply(objects(namespace.name), { namespace: namespace.name });
    expect(results.map((result) => `${result.kind}/${result.name}:${result.outcome}`)).toEqual([
      'ConfigMap/settings:applied',
      'Secret/credentials:applied',
      'Deployment/web:applied',
      'StatefulSet/db:applied',
      'CronJob/report:applied',
      'Service/web:applied',
      'Ingress/web:applied',
      'PersistentVolumeClaim/data:applied',
      'VirtualService/web:applied',
    ]);
    const configMap = await kube().core.readNamespacedConfigMap({ name: 'settings', namespace: namespace.name });
    expect(configMap.data).toEqual({ mode: 'fast' });
    expect(
      configMap.metadata?.managedFields?.some((field) => field.manager === 'berth' && field.operation === 'Apply'),
    ).toBe(true);
    await runningPods(namespace.name, 'app=web', 2);
  });

  it('reads objects back, CRDs included, and says undefined for one that is not there', async () => {
    const secret = await cluster.getObject({
      apiVersion: 'v1',
      kind: 'Secret',
      name: 'credentials',
      namespace: namespace.name,
    });
    const data = secret?.['data'] as Record<string, string> | undefined;
    expect(Buffer.from(String(data?.['password']), 'base64').toString()).toBe('hunter2');
    const virtualService = await cluster.getObject({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      name: 'web',
      namespace: namespace.name,
    });
    expect(virtualService?.['spec']).toMatchObject({ hosts: ['web'] });
    expect(
      await cluster.getObject({ apiVersion: 'v1', kind: 'ConfigMap', name: 'absent', namespace: namespace.name }),
    ).toBeUndefined();
  });

  it('reports what the API server rejects, with its message, and applies the rest', async () => {
    const results = await cluster.apply(
      [
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Bad_Name' }, data: {} },
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'good' }, data: { ok: 'yes' } },
        { apiVersion: 'example.com/v1', kind: 'Unknown', metadata: { name: 'x' } },
      ],
      { namespace: namespace.name },
    );
    expect(results[0]).toMatchObject({ outcome: 'failed', message: expect.stringContaining('Bad_Name') });
    expect(results[1]).toMatchObject({ outcome: 'applied' });
    expect(results[2]).toMatchObject({ outcome: 'failed' });
  });
});

describe('workloads', () => {
  it('scales a Deployment and a StatefulSet through the scale subresource', async () => {
    await cluster.scale('Deployment', namespace.name, 'web', 3);
    await cluster.scale('StatefulSet', namespace.name, 'db', 2);
    await runningPods(namespace.name, 'app=web', 3);
    expect((await cluster.getWorkload('StatefulSet', namespace.name, 'db')).replicas).toBe(2);
  });

  it('restarts a Deployment: the template gets restartedAt and a new ReplicaSet rolls out', async () => {
    const at = new Date('2026-11-25T12:00:00Z');
    await cluster.restart('Deployment', namespace.name, 'web', at);
    const workload = await cluster.getWorkload('Deployment', namespace.name, 'web');
    expect(workload.restartedAt).toBe(at.toISOString());
    await eventually(async () => {
      const sets = (await kube().apps.listNamespacedReplicaSet({ namespace: namespace.name, labelSelector: 'app=web' }))
        .items;
      return sets.length === 2 ? sets : undefined;
    });
  });

  it('updates one container’s image in a Deployment, a StatefulSet and a CronJob', async () => {
    await cluster.setImage('Deployment', namespace.name, 'web', 'sidecar', 'envoy:1.1');
    await cluster.setImage('StatefulSet', namespace.name, 'db', 'db', 'postgres:17');
    await cluster.setImage('CronJob', namespace.name, 'report', 'report', 'busybox:1.37');
    const web = await kube().apps.readNamespacedDeployment({ name: 'web', namespace: namespace.name });
    expect(web.spec?.template.spec?.containers.map((container) => container.image)).toEqual([
      'nginx:1.27',
      'envoy:1.1',
    ]);
    expect((await cluster.getWorkload('StatefulSet', namespace.name, 'db')).containers).toEqual([
      { name: 'db', image: 'postgres:17' },
    ]);
    const cronJob = await cluster.getObject({
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      name: 'report',
      namespace: namespace.name,
    });
    expect(JSON.stringify(cronJob)).toContain('busybox:1.37');
  });

  it('refuses an unknown container before patching anything', async () => {
    await expect(cluster.setImage('Deployment', namespace.name, 'web', 'nope', 'x:1')).rejects.toThrow(NotFoundError);
    await expect(cluster.getWorkload('Deployment', namespace.name, 'missing')).rejects.toThrow('Deployment "');
  });

  it('lists pods, services, endpoints and workloads by label, and events by involved object', async () => {
    const pods = await cluster.listPods(namespace.name, 'app=web');
    expect(pods.length).toBeGreaterThanOrEqual(3);
    expect(pods[0]).toMatchObject({ namespace: namespace.name, labels: { app: 'web' }, containers: expect.any(Array) });
    expect((await cluster.listServices(namespace.name, 'tier=front')).map((service) => service.name)).toEqual(['web']);
    const endpoints = await eventually(async () => {
      const found = await cluster.listEndpoints(namespace.name);
      return found.find((entry) => entry.name === 'web' && entry.addresses.length >= 3);
    });
    expect(endpoints.ports).toContain(80);
    const workloads = await cluster.listWorkloads(namespace.name);
    expect(workloads.map((workload) => `${workload.kind}/${workload.name}`).sort()).toEqual([
      'Deployment/web',
      'StatefulSet/db',
    ]);
    const events = await eventually(async () => {
      const found = await cluster.listEvents(namespace.name, { kind: 'Deployment', name: 'web' });
      return found.length > 0 ? found : undefined;
    });
    expect(events[0]).toMatchObject({
      reason: 'ScalingReplicaSet',
      involvedObject: { kind: 'Deployment', name: 'web' },
    });
  });
});

describe('logs', () => {
  // Log lines can be written on demand only where kwok serves the logs.
  const kwokLogs = inject('clusterDataDir') !== null;

  it.runIf(kwokLogs)('reads a container log once, keeping only the last lines asked for', async () => {
    const plane = (await localControlPlane())!;
    const [pod] = await runningPods(namespace.name, 'app=db', 2);
    const marker = `gateway-tail-${Date.now()}`;
    await plane.appendLog(`${marker} 1\n${marker} 2\n${marker} 3`);
    const text = await cluster.readLog(namespace.name, pod!.metadata!.name!, { container: 'db', tailLines: 2 });
    // Other suites append to the same file: they can push our lines out of the tail, never lengthen it.
    expect(text.split('\n').filter((line) => line !== '')).toHaveLength(2);
    expect(text).not.toContain(`${marker} 1`);
  });

  it.runIf(kwokLogs)('returns lines kwok appended, and follows new ones until cancelled', async () => {
    const plane = (await localControlPlane())!;
    const [pod] = await runningPods(namespace.name, 'app=db', 2);
    const marker = `gateway-log-${Date.now()}`;
    await plane.appendLog(`${marker} once`);
    expect(await cluster.readLog(namespace.name, pod!.metadata!.name!, { container: 'db', tailLines: 50 })).toContain(
      `${marker} once`,
    );

    const lines: string[] = [];
    const stop = new AbortController();
    const following = cluster.followLog(
      namespace.name,
      pod!.metadata!.name!,
      { container: 'db', tailLines: 1 },
      (line) => lines.push(line),
      stop.signal,
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    await plane.appendLog(`${marker} followed`);
    await eventually(async () => (lines.some((line) => line.includes(`${marker} followed`)) ? true : undefined));
    stop.abort();
    await expect(following).resolves.toBeUndefined();
  });

  it('says which pod is missing', async () => {
    await expect(cluster.readLog(namespace.name, 'no-such-pod', { container: 'x' })).rejects.toThrow(NotFoundError);
  });
});

describe('namespaces and cleanup', () => {
  it('creates a namespace once, reports it, and deletes it', async () => {
    const name = `${namespace.name}-extra`;
    expect(await cluster.ensureNamespace(name, { owner: 'berth' })).toEqual({ created: true });
    expect(await cluster.ensureNamespace(name)).toEqual({ created: false });
    expect(await cluster.namespaceExists(name)).toBe(true);
    await cluster.deleteNamespace(name);
    await cluster.deleteNamespace(name);
  });

  it('deletes what it applied; objects already gone count as deleted', async () => {
    const applied = objects(namespace.name);
    const first = await cluster.deleteObjects(applied, { namespace: namespace.name });
    expect(first.every((result) => result.outcome === 'applied')).toBe(true);
    await eventually(async () =>
      (await cluster.getObject({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        name: 'settings',
        namespace: namespace.name,
      })) === undefined
        ? true
        : undefined,
    );
    const second = await cluster.deleteObjects(applied, { namespace: namespace.name });
    expect(second.filter((result) => result.kind === 'ConfigMap')[0]).toMatchObject({
      outcome: 'applied',
      message: 'already gone',
    });
  });
});

describe('an unreachable cluster', () => {
  it('fails every call with an UnavailableError', async () => {
    const gone = createKubeCluster(kubeconfigFor({ server: UNREACHABLE_SERVER }), { timeoutMs: 2000 });
    await expect(gone.listPods('default')).rejects.toThrow(UnavailableError);
    const results = await gone.apply(objects('default').slice(0, 1), { namespace: 'default' });
    expect(results[0]).toMatchObject({ outcome: 'failed', message: expect.stringContaining('unreachable') });
  });
});

describe('objects by kind, and namespace labels', () => {
  it('lists objects of a kind, CRDs included, by label', async () => {
    const ns = namespace.name;
    await cluster.apply(
      [
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'one', labels: { set: 'a' } }, data: {} },
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'two', labels: { set: 'b' } }, data: {} },
        {
          apiVersion: 'networking.istio.io/v1',
          kind: 'VirtualService',
          metadata: { name: 'vs', labels: { set: 'a' } },
          spec: { hosts: ['x'] },
        },
      ],
      { namespace: ns },
    );
    const configMaps = await cluster.listObjects({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: ns,
      labelSelector: 'set=a',
    });
    expect(configMaps.map((object) => `${object.kind}/${object.metadata.name}`)).toEqual(['ConfigMap/one']);
    const virtualServices = await cluster.listObjects({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      namespace: ns,
    });
    expect(virtualServices.map((object) => object.metadata.name)).toEqual(['vs']);
  });

  it('tells a kind it does not serve (in a group version it serves or not) from a failure of the object', async () => {
    for (const apiVersion of ['example.com/v1', 'v1']) {
      await expect(
        cluster.listObjects({ apiVersion, kind: 'Unknown', namespace: namespace.name }),
      ).rejects.toBeInstanceOf(KindNotServedError);
    }
    const results = await cluster.apply(
      [
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Bad_Name' }, data: {} },
        { apiVersion: 'example.com/v1', kind: 'Unknown', metadata: { name: 'x' } },
      ],
      { namespace: namespace.name },
    );
    expect(results.map((result) => [result.outcome, result.code])).toEqual([
      ['failed', 'Invalid'],
      ['failed', 'NotFound'],
    ]);
  });

  it('sets and removes namespace labels, leaving the others', async () => {
    await cluster.labelNamespace(namespace.name, { 'istio-injection': 'enabled', keep: 'yes' });
    await cluster.labelNamespace(namespace.name, { 'istio-injection': null });
    const labels = (await kube().core.readNamespace({ name: namespace.name })).metadata?.labels ?? {};
    expect(labels['keep']).toBe('yes');
    expect(labels).not.toHaveProperty('istio-injection');
  });
});
