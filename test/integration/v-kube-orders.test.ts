import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { hashOrderSecret } from '../../core/orders/order-secret.ts';
import { keys } from '../../core/store/keys.ts';
import { ADMIN_TOKEN, createHarness, type Harness } from '../support/harness.ts';
import { call } from '../support/http.ts';

let berth: Harness;

const admin = (path: string, options: Parameters<typeof call>[2] = {}) =>
  call(berth.apps.admin, path, { token: ADMIN_TOKEN, ...options });
const vKube = (path: string, secret?: string) =>
  call(berth.apps['v-kube'], path, secret === undefined ? {} : { headers: { secret } });

/** The order of the document's example, as the marketplace would hand it over, placed in a region. */
const documentedOrder = {
  duration: 100,
  amount: 18000,
  amountPaid: 18000,
  serviceID: '9xxxxxx0xxx6exxxxxxxxx',
  service: 'Container Service',
  serviceCategoryID: 'xxxxxxxxxxxxxxxxxxxxxxxx',
  provider: 'v-kube-service',
  address: 'xxxxxxxxxxxxxxxxxxxxxxxx',
  recipient: 'xxxxxxxxxxxxxxxxxxxxxxxx',
  serviceOptions: { portSpecification: 'User Specified Service Port', resourceUnit: '2-Unit-Resource' },
  status: 'OrderFiled',
  publicKey: '',
};

beforeAll(async () => {
  berth = await createHarness();
  await admin('/admin/clusters', { json: { id: 'local', name: 'local', kubeconfig: inject('kubeconfig') } });
});
afterAll(() => berth.close());

describe('recording orders (POST /admin/vkube/orders)', () => {
  it('records the order on the cluster of its region and shows its secret once', async () => {
    const created = await admin('/admin/vkube/orders', { json: { ...documentedOrder, region: 'cn-north' } });
    expect(created.status).toBe(201);
    expect(created.json).toEqual({
      ...documentedOrder,
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      createdAt: expect.any(Number),
      updatedAt: expect.any(Number),
      serviceExpiredDate: expect.any(String),
      region: 'cn-north',
      cluster: 'local',
      namespace: `vkube-${created.json.id}`,
      hostPorts: [],
      podRemovedAt: null,
      secret: expect.stringMatching(/^[\w-]{32}$/),
    });
    expect(Math.floor(Date.parse(created.json.serviceExpiredDate) / 1000)).toBe(created.json.createdAt + 100);

    const stored = await berth.rawItem(keys.order(created.json.id));
    expect(stored?.['secretHash']).toBe(hashOrderSecret(created.json.secret));
    expect(JSON.stringify(stored)).not.toContain(created.json.secret);
    const listed = await admin('/admin/vkube/orders');
    expect(listed.text).not.toContain(created.json.secret);
    expect(listed.text).not.toContain('secretHash');
    expect(berth.logs.map((line) => JSON.stringify(line)).join('\n')).not.toContain(created.json.secret);
  });

  it('takes the marketplace’s id, and refuses a second order with it', async () => {
    const body = { ...documentedOrder, id: '609e0a3505b1a3d4f8e9c0a1', region: 'cn-south' };
    expect((await admin('/admin/vkube/orders', { json: body })).status).toBe(201);
    const again = await admin('/admin/vkube/orders', { json: body });
    expect(again.status).toBe(409);
    expect(again.json.description).toBe('order "609e0a3505b1a3d4f8e9c0a1" already exists');
  });

  it.each([
    ['a region no cluster has', { region: 'ausrine' }, 'region'],
    ['no duration', { region: 'cn-north', duration: undefined }, 'duration'],
    [
      'a resource unit that is not one',
      { region: 'cn-north', serviceOptions: { resourceUnit: 'two' } },
      'resourceUnit',
    ],
    [
      'too many resource units',
      { region: 'cn-north', serviceOptions: { resourceUnit: '65-Unit-Resource' } },
      'resourceUnit',
    ],
  ])('refuses %s with a 400 naming the field', async (_, change, field) => {
    const response = await admin('/admin/vkube/orders', { json: { ...documentedOrder, ...change } });
    expect(response.status).toBe(400);
    expect(response.json.description).toContain(field);
  });

  it('lists orders a page at a time, for admins only', async () => {
    for (let index = 0; index < 3; index++)
      await admin('/admin/vkube/orders', { json: { ...documentedOrder, region: 'cn-north' } });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { json: { items: Array<{ id: string }>; next_cursor: string | null } } = await admin(
        `/admin/vkube/orders?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(page.json.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.json.items.map((item) => item.id));
      cursor = page.json.next_cursor;
    } while (cursor);
    expect(seen.length).toBeGreaterThanOrEqual(5);
    expect(new Set(seen).size).toBe(seen.length);

    const user = await admin('/admin/tokens', { json: { name: 'dev', role: 'user' } });
    expect((await call(berth.apps.admin, '/admin/vkube/orders', { token: user.json.token })).status).toBe(403);
    expect((await call(berth.apps.admin, '/admin/vkube/orders')).status).toBe(401);
  });
});

describe('GET /k8s/order', () => {
  it('answers the documented fields to the order’s secret, at both paths (the document’s example calls /api/v1)', async () => {
    const created = await admin('/admin/vkube/orders', { json: { ...documentedOrder, region: 'cn-north' } });
    for (const path of ['/k8s/order', '/api/v1/k8s/order']) {
      const response = await vKube(path, created.json.secret);
      expect(response.status, path).toBe(200);
      expect(response.json, path).toEqual({
        ...documentedOrder,
        createdAt: created.json.createdAt,
        updatedAt: created.json.updatedAt,
        serviceExpiredDate: created.json.serviceExpiredDate,
        id: created.json.id,
      });
    }
  });

  it('answers a missing secret, a wrong one and a deleted order’s one with the same 401', async () => {
    const created = await admin('/admin/vkube/orders', { json: { ...documentedOrder, region: 'cn-north' } });
    expect((await admin(`/admin/vkube/orders/${created.json.id}`, { method: 'DELETE' })).status).toBe(204);
    const refusal = { error: { code: 401, message: 'a valid order secret is required in the secret header' } };
    for (const secret of [undefined, '', 'not-a-secret', created.json.secret]) {
      const response = await vKube('/k8s/order', secret);
      expect(response.status, String(secret)).toBe(401);
      expect(response.json).toEqual(refusal);
    }
    expect((await admin(`/admin/vkube/orders/${created.json.id}`, { method: 'DELETE' })).status).toBe(404);
  });
});
