import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ADMIN_TOKEN, createHarness, eventually, type Harness } from '../support/harness.ts';
import { call } from '../support/http.ts';
import { kube } from '../support/kube.ts';

let berth: Harness;
const port = 40000 + randomInt(0, 20000);
const DURATION_SECONDS = 4;
let order: { id: string; secret: string; namespace: string; serviceExpiredDate: string };

const admin = (path: string, options: Parameters<typeof call>[2] = {}) =>
  call(berth.apps.admin, path, { token: ADMIN_TOKEN, ...options });
const withSecret = (path: string, options: Parameters<typeof call>[2] = {}) =>
  call(berth.apps['v-kube'], path, { ...options, headers: { secret: order.secret } });
const deployBody = {
  nodeSelector: { region: 'cn-south' },
  containers: [
    { name: 'app', imageName: 'nginx', ports: [{ containerPort: 80, hostPort: port }], resource: { memory: '64Mi' } },
  ],
};
const namespaceOf = async (name: string) =>
  (await kube().core.listNamespace()).items.find((item) => item.metadata?.name === name);
const adminView = async () =>
  ((await admin('/admin/vkube/orders?limit=500')).json.items as Array<Record<string, unknown>>).find(
    (item) => item['id'] === order.id,
  )!;

beforeAll(async () => {
  berth = await createHarness();
  await admin('/admin/clusters', { json: { id: 'local', name: 'local', kubeconfig: inject('kubeconfig') } });
  const created = await admin('/admin/vkube/orders', {
    json: { duration: DURATION_SECONDS, region: 'cn-south', serviceOptions: { resourceUnit: '1-Unit-Resource' } },
  });
  order = created.json;
  expect((await withSecret('/api/v1/k8s/deploy', { json: deployBody })).status).toBe(200);
});
afterAll(async () => {
  await admin(`/admin/vkube/orders/${order.id}`, { method: 'DELETE' });
  await berth.close();
});

describe('an order whose service has ended', () => {
  it('keeps its pod until then: the sweep leaves an active order alone', async () => {
    const { swept } = await berth.runScheduledJobs();
    expect(swept.removed).not.toContain(order.id);
    await eventually(async () =>
      (await withSecret('/k8s/pod/status')).json.podStatus?.phase === 'Running' ? true : undefined,
    );
  });

  it('refuses pod operations with a clear 403, and still answers the order', async () => {
    const wait = Date.parse(order.serviceExpiredDate) - Date.now() + 100;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, wait)));
    for (const [path, options] of [
      ['/api/v1/k8s/deploy', { json: deployBody }],
      ['/k8s/pod/status', {}],
      ['/k8s/pod/log', {}],
    ] as const) {
      const response = await withSecret(path, options);
      expect(response.status, path).toBe(403);
      expect(response.json.error).toEqual({
        code: 403,
        message: `the service of order "${order.id}" expired at ${order.serviceExpiredDate}; its pod is removed and cannot be deployed or read`,
      });
    }
    expect((await withSecret('/k8s/order')).json).toMatchObject({ id: order.id, duration: DURATION_SECONDS });
    expect(await namespaceOf(order.namespace)).toBeDefined();
  });

  it('has its pod removed and its host port freed by the scheduled sweep, once', async () => {
    const { swept } = await berth.runScheduledJobs();
    expect(swept).toEqual({ removed: [order.id], failed: [] });
    const namespace = await namespaceOf(order.namespace);
    expect(namespace === undefined || namespace.status?.phase === 'Terminating').toBe(true);
    expect(await adminView()).toMatchObject({ hostPorts: [], podRemovedAt: expect.any(String) });
    await eventually(
      async () => {
        const answer = await call(berth.apps['v-kube'], '/k8s/checkports', {
          json: { region: 'cn-south', ports: [port] },
        });
        return answer.json.status === 'NotOccupied' ? answer : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect((await berth.runScheduledJobs()).swept.removed).toEqual([]);
  });
});
