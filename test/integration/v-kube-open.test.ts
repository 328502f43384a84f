import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ADMIN_TOKEN, createHarness, type Harness } from '../support/harness.ts';
import { call } from '../support/http.ts';
import { createNamespace, kube, runningPods } from '../support/kube.ts';
import { kubeconfigFor, UNREACHABLE_SERVER } from '../support/kubeconfigs.ts';
import { pushTinyImage, startConnectionRecorder, startCountingProxy } from '../support/oci-registry.ts';

let berth: Harness;
let namespace: { name: string; remove(): Promise<void> };
let proxy: Awaited<ReturnType<typeof startCountingProxy>>;
const registry = inject('registry');
/** This file's own repositories in the shared registry. */
const repositoryNamespace = `vkube-${randomBytes(4).toString('hex')}`;

const vKube = (path: string, options: Parameters<typeof call>[2] = {}) => call(berth.apps['v-kube'], path, options);
const admin = (path: string, options: Parameters<typeof call>[2] = {}) =>
  call(berth.apps.admin, path, { token: ADMIN_TOKEN, ...options });
const registerCluster = (id: string, kubeconfig: string) =>
  admin('/admin/clusters', { json: { id, name: id, kubeconfig } });
const removeCluster = (id: string) => admin(`/admin/clusters/${id}`, { method: 'DELETE' });

/** The region labels of the test cluster's nodes, read without Berth. */
async function nodeRegions(): Promise<string[]> {
  const nodes = (await kube().core.listNode({ labelSelector: 'region' })).items;
  return [...new Set(nodes.map((node) => node.metadata!.labels!['region']!))].sort();
}

beforeAll(async () => {
  berth = await createHarness({ clusterTimeoutMs: 3000 });
  namespace = await createNamespace('vkube-open');
  proxy = await startCountingProxy(registry.url);
});
afterAll(async () => {
  await namespace.remove();
  await proxy.close();
  await berth.close();
});

describe('GET /k8s/regions', () => {
  it('answers [] while no cluster is registered', async () => {
    const response = await vKube('/k8s/regions');
    expect(response.status).toBe(200);
    expect(response.json).toEqual([]);
  });

  it('answers the region labels of the nodes of every registered cluster, deduplicated and sorted, at both paths', async () => {
    expect((await registerCluster('local', inject('kubeconfig'))).status).toBe(201);
    expect((await registerCluster('local-again', inject('kubeconfig'))).status).toBe(201);
    const expected = await nodeRegions();
    expect(expected).toEqual(['cn-north', 'cn-south']);
    for (const path of ['/k8s/regions', '/api/v1/k8s/regions']) {
      const response = await vKube(path);
      expect(response.status, path).toBe(200);
      expect(response.json, path).toEqual(expected);
    }
    expect((await removeCluster('local-again')).status).toBe(204);
  });

  it('leaves out a cluster that does not answer, and is a 503 when none answers', async () => {
    expect((await registerCluster('gone', kubeconfigFor({ server: UNREACHABLE_SERVER }))).status).toBe(201);
    expect((await vKube('/k8s/regions')).json).toEqual(['cn-north', 'cn-south']);

    expect((await removeCluster('local')).status).toBe(204);
    const started = Date.now();
    const failed = await vKube('/k8s/regions');
    expect(Date.now() - started).toBeLessThan(3000);
    expect(failed.status).toBe(503);
    expect(failed.json).toEqual({ error: { code: 503, message: expect.stringContaining('gone') } });

    expect((await removeCluster('gone')).status).toBe(204);
    expect((await registerCluster('local', inject('kubeconfig'))).status).toBe(201);
  });
});

describe('POST /k8s/checkports', () => {
  beforeAll(async () => {
    // A pod in cn-north holding host ports 22 and 3306, as in the document's example.
    await kube().core.createNamespacedPod({
      namespace: namespace.name,
      body: {
        metadata: { name: 'ports', labels: { app: 'ports' } },
        spec: {
          nodeSelector: { region: 'cn-north' },
          containers: [
            {
              name: 'main',
              image: 'nginx',
              ports: [
                { containerPort: 22, hostPort: 22 },
                { containerPort: 3306, hostPort: 3306 },
              ],
            },
          ],
        },
      },
    });
    await runningPods(namespace.name, 'app=ports', 1);
  });

  it('answers the document’s example request: a region that does not exist is NoResource', async () => {
    const response = await vKube('/k8s/checkports', { json: { region: 'ausrine', ports: [22, 3306, 1234, 1111] } });
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ occupied: [], status: 'NoResource' });
  });

  it('lists the ports pods on the region’s nodes hold, as in the document’s example answer', async () => {
    const response = await vKube('/k8s/checkports', { json: { region: 'cn-north', ports: [22, 3306, 1234, 1111] } });
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ occupied: [22, 3306], status: 'PortsOccupied' });
    const again = await vKube('/api/v1/k8s/checkports', { json: { region: 'cn-north', ports: [3306] } });
    expect(again.json).toEqual({ occupied: [3306], status: 'PortsOccupied' });
  });

  it('answers NotOccupied for the same ports in the other region', async () => {
    const response = await vKube('/k8s/checkports', { json: { region: 'cn-south', ports: [22, 3306] } });
    expect(response.json).toEqual({ occupied: [], status: 'NotOccupied' });
  });

  it.each([
    ['no region', { ports: [22] }],
    ['an empty region', { region: '', ports: [22] }],
    ['no ports', { region: 'cn-north' }],
    ['an empty port list', { region: 'cn-north', ports: [] }],
  ])('answers %s with the documented 400', async (_, body) => {
    const response = await vKube('/k8s/checkports', { json: body });
    expect(response.status).toBe(400);
    expect(response.json).toEqual({ error: { code: 400, message: 'item field empty' } });
  });

  it('says what is wrong with a port that cannot be one', async () => {
    const response = await vKube('/k8s/checkports', { json: { region: 'cn-north', ports: [70000] } });
    expect(response.status).toBe(400);
    expect(response.json.error.message).toContain('ports.0');
  });

  it('answers InternalErr when a registered cluster does not answer', async () => {
    expect((await registerCluster('gone', kubeconfigFor({ server: UNREACHABLE_SERVER }))).status).toBe(201);
    try {
      const response = await vKube('/k8s/checkports', { json: { region: 'cn-north', ports: [22] } });
      expect(response.status).toBe(200);
      expect(response.json).toEqual({ occupied: [], status: 'InternalErr' });
    } finally {
      await removeCluster('gone');
    }
  });
});

describe('GET /k8s/images', () => {
  beforeAll(async () => {
    await pushTinyImage(registry, `${repositoryNamespace}/nginx`, 'stable');
    const registered = await admin('/admin/registries', {
      json: {
        id: 'local',
        address: proxy.url,
        namespace: repositoryNamespace,
        username: registry.username,
        password: registry.password,
        insecure: true,
      },
    });
    expect(registered.status).toBe(201);
  });

  it('answers a short name "not found" without asking any registry while none is marked default', async () => {
    const before = proxy.requests.length;
    const response = await vKube('/k8s/images?image=nginx&tag=stable');
    expect(response.status).toBe(404);
    expect(response.json).toEqual({ error: { code: 404, message: 'image does not exist.' } });
    expect(proxy.requests.length).toBe(before);
  });

  it('answers the document’s example: nginx:stable in the registry marked default', async () => {
    const marked = await admin('/admin/default-registry', { method: 'PUT', json: { registry_id: 'local' } });
    expect(marked.status).toBe(200);
    expect(marked.json).toEqual({ registry_id: 'local', updated_at: expect.any(String) });
    expect((await admin('/admin/default-registry')).json).toEqual(marked.json);

    const before = proxy.requests.length;
    const response = await vKube('/k8s/images?image=nginx&tag=stable');
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ status: 'OK' });
    expect(proxy.requests.slice(before)).toContain(`HEAD /v2/${repositoryNamespace}/nginx/manifests/stable`);
  });

  it('finds the image by a name with the registry’s host, and with the tag in the name, at both paths', async () => {
    const host = new URL(proxy.url).host;
    for (const path of [
      `/k8s/images?image=${host}/${repositoryNamespace}/nginx&tag=stable`,
      '/api/v1/k8s/images?image=nginx:stable',
      `/k8s/images?image=${repositoryNamespace}/nginx:stable&tag=stable`,
    ]) {
      const response = await vKube(path);
      expect(response.status, path).toBe(200);
      expect(response.json, path).toEqual({ status: 'OK' });
    }
  });

  it('answers a tag the registry does not have with the documented 404', async () => {
    const before = proxy.requests.length;
    const response = await vKube('/k8s/images?image=nginx&tag=missing');
    expect(response.status).toBe(404);
    expect(response.json).toEqual({ error: { code: 404, message: 'image does not exist.' } });
    expect(proxy.requests.slice(before)).toContain(`HEAD /v2/${repositoryNamespace}/nginx/manifests/missing`);
  });

  it.each([
    ['no tag', '/k8s/images?image=nginx'],
    ['no image', '/k8s/images?tag=stable'],
    ['two different tags', '/k8s/images?image=nginx:stable&tag=latest'],
    ['a digest', '/k8s/images?image=nginx@sha256:abc&tag=stable'],
    ['an uppercase name', '/k8s/images?image=NGINX&tag=stable'],
  ])('answers %s with the documented 400', async (_, path) => {
    const response = await vKube(path);
    expect(response.status).toBe(400);
    expect(response.json).toEqual({ error: { code: 400, message: 'image format not allow.Format: image:tag' } });
  });

  it('answers a name that points at an unregistered host "not found" without any request leaving', async () => {
    const recorder = await startConnectionRecorder();
    try {
      const before = proxy.requests.length;
      for (const image of [
        `127.0.0.1:${recorder.port}/${repositoryNamespace}/nginx`,
        `localhost:${recorder.port}/nginx`,
        'registry.invalid/library/nginx',
      ]) {
        const response = await vKube(`/k8s/images?image=${encodeURIComponent(image)}&tag=stable`);
        expect(response.status, image).toBe(404);
        expect(response.json).toEqual({ error: { code: 404, message: 'image does not exist.' } });
      }
      // Give a stray connection time to arrive before counting.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(recorder.connections()).toBe(0);
      expect(proxy.requests.length).toBe(before);
    } finally {
      await recorder.close();
    }
  });

  it('does not ask the registered registry about a repository outside its namespace', async () => {
    const before = proxy.requests.length;
    const host = new URL(proxy.url).host;
    const response = await vKube(`/k8s/images?image=${host}/elsewhere/nginx&tag=stable`);
    expect(response.status).toBe(404);
    expect(proxy.requests.length).toBe(before);
  });
});
