import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { receiveEcrEvent } from '../../core/hooks/ecr-events.ts';
import { hookAdminRoutes } from '../../functions/hooks/routes.ts';
import { ADMIN_TOKEN, createHarness, type Harness } from '../support/harness.ts';
import { call, callRoute, type RouteRequest } from '../support/http.ts';
import { arrayAt, objectAt, stringAt } from '../support/json.ts';

/*
 * ECR pushes through EventBridge: the ECR events function's path, on the
 * table, for a hook whose source is `ecr` (dry run: nothing to roll here).
 */

let berth: Harness;
let hookId: string;
const createBody: RouteRequest<typeof hookAdminRoutes.createHook>['json'] = {
  name: 'web from ECR',
  source: 'ecr',
  image: '123456789012.dkr.ecr.us-west-2.amazonaws.com/shop/web',
  policy: { type: 'semver' },
  targets: [
    { kind: 'k8s-service-deployment', cluster: 'local', namespace: 'shop', deployment: 'web', container: 'web' },
  ],
  dry_run: true,
};
const push = (id: string, tag: string) => ({
  version: '0',
  id,
  'detail-type': 'ECR Image Action',
  source: 'aws.ecr',
  account: '123456789012',
  time: new Date().toISOString(),
  region: 'us-west-2',
  resources: [],
  detail: {
    result: 'SUCCESS',
    'repository-name': 'shop/web',
    'image-digest': `sha256:${'7f'.repeat(32)}`,
    'action-type': 'PUSH',
    'image-tag': tag,
  },
});

beforeAll(async () => {
  berth = await createHarness();
  const created = await callRoute(berth.apps.admin, hookAdminRoutes.createHook, {
    token: ADMIN_TOKEN,
    json: createBody,
  });
  expect(created.status, created.text).toBe(201);
  expect(objectAt(created.json)['auth']).toBe('eventbridge');
  hookId = stringAt(created.json, 'id');
});
afterAll(async () => {
  await berth?.close();
});

describe('ECR pushes from EventBridge', () => {
  it('records a push once per event id; the retried invocation is answered as a repeat', async () => {
    const event = push('13cde686-328b-6117-af20-0e5566167482', '1.4.2');
    const [first] = await receiveEcrEvent(berth.ctx, event);
    expect(first).toMatchObject({ hookId, verdict: 'accepted', duplicate: false });
    const [again] = await receiveEcrEvent(berth.ctx, event);
    expect(again).toEqual({ ...first, duplicate: true });
    const listed = await callRoute(berth.apps.admin, hookAdminRoutes.listHookDeliveries, {
      token: ADMIN_TOKEN,
      params: { id: hookId },
      query: {},
    });
    expect(arrayAt(listed.json, 'items')).toEqual([
      expect.objectContaining({
        delivery_id: event.id,
        verdict: 'accepted',
        events: [expect.objectContaining({ repository: 'shop/web', tag: '1.4.2', verdict: 'accepted' })],
      }),
    ]);
  });

  it('refuses the same event posted to the hook URL: only EventBridge hands ECR events over', async () => {
    const posted = await call(berth.apps.hooks, `/hooks/${hookId}`, {
      body: JSON.stringify(push('another-id', '1.4.3')),
      headers: { 'content-type': 'application/json' },
    });
    expect(posted.status).toBe(401);
    expect(stringAt(posted.json, 'description')).toBe(
      'this hook takes ECR events from EventBridge only, not HTTP deliveries',
    );
  });

  it('ties the ecr source to EventBridge, both ways', async () => {
    for (const json of [
      { ...createBody, auth: 'hmac' },
      { ...createBody, source: 'generic', auth: 'eventbridge' },
    ]) {
      const refused = await call(berth.apps.admin, '/admin/hooks', { token: ADMIN_TOKEN, json });
      expect(refused.status).toBe(400);
      expect(stringAt(refused.json, 'description')).toContain('auth eventbridge');
    }
  });
});
