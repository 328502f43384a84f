import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signDelivery } from '../../core/hooks/signatures.ts';
import { hookAdminRoutes } from '../../functions/hooks/routes.ts';
import { ADMIN_TOKEN, createHarness, eventually, type Harness } from '../support/harness.ts';
import { call, callRoute } from '../support/http.ts';
import { arrayAt, objectAt, stringAt } from '../support/json.ts';
import { createNamespace, kube, runningPods, runningDeployment } from '../support/kube.ts';

/*
 * Re-driving a stored delivery on the local control plane: a push whose
 * target did not exist yet failed; once the Deployment exists, the re-drive
 * rolls it; a second re-drive finds it rolled out and does nothing.
 */

let berth: Harness;
let namespace: { name: string; remove(): Promise<void> };
let hookId: string;
let secret: string;
const repository = 'registry.example.com/rd/web';
const digest = `sha256:${'d'.repeat(64)}`;
const pushed = `${repository}:1.1.0@${digest}`;

const admin = <C extends (typeof hookAdminRoutes)[keyof typeof hookAdminRoutes]>(
  contract: C,
  request: Parameters<typeof callRoute<C>>[2],
) => callRoute(berth.apps.admin, contract, { token: ADMIN_TOKEN, ...request });
const redrive = (recordId: string) => admin(hookAdminRoutes.redriveHookDelivery, { params: { id: hookId, recordId } });
const stagesOf = async (recordId: string) =>
  arrayAt((await admin(hookAdminRoutes.getHookDelivery, { params: { id: hookId, recordId } })).json, 'stages').map(
    (stage) => objectAt(stage),
  );
/** Waits until the delivery's stages, by name, are `names`. */
const stagesBecome = (recordId: string, names: string[]) =>
  eventually(
    async () => {
      const stages = await stagesOf(recordId);
      return JSON.stringify(stages.map((stage) => stage['stage'])) === JSON.stringify(names) ? stages : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 300 },
  );
const readDeployment = () => kube().apps.readNamespacedDeployment({ name: 'web', namespace: namespace.name });

beforeAll(async () => {
  berth = await createHarness();
  await berth.startWorkers();
  await call(berth.apps.admin, '/admin/clusters', {
    token: ADMIN_TOKEN,
    json: { id: 'local', name: 'local', kubeconfig: inject('kubeconfig') },
  });
  namespace = await createNamespace('redrive');
  const created = await admin(hookAdminRoutes.createHook, {
    json: {
      name: 'web, re-driven',
      source: 'generic',
      image: repository,
      policy: { type: 'semver', range: '^1' },
      targets: [
        {
          kind: 'k8s-service-deployment',
          cluster: 'local',
          namespace: namespace.name,
          deployment: 'web',
          container: 'web',
        },
      ],
      health_timeout_seconds: 60,
    },
  });
  expect(created.status).toBe(201);
  hookId = stringAt(created.json, 'id');
  secret = stringAt(created.json, 'secret');
}, 180_000);
afterAll(async () => {
  await namespace?.remove();
  await berth?.close();
});

describe('re-driving a stored delivery', () => {
  let recordId: string;

  it('records a push whose target is missing as failed', async () => {
    const body = JSON.stringify({ image: repository, tag: '1.1.0', digest });
    const headers = signDelivery({ scheme: 'hmac', secret, body: Buffer.from(body), id: 'x', now: new Date() });
    const answer = await call(berth.apps.hooks, `/hooks/${hookId}`, { body, headers });
    expect(answer.status, answer.text).toBe(202);
    recordId = stringAt(answer.json, 'record_id');
    const [failed] = await stagesBecome(recordId, ['failed']);
    expect(String(failed?.['detail'])).toMatch(/not found/i);
  });

  it('rolls the target out once it exists', async () => {
    await runningDeployment(namespace.name, 'web', `${repository}:1.0.0`);

    const answer = await redrive(recordId);
    expect(answer.status, answer.text).toBe(202);
    const redriven = objectAt(answer.json);
    expect(redriven).toMatchObject({
      record_id: recordId,
      verdict: 'redriven',
      approval_required: false,
      events: [expect.objectContaining({ tag: '1.1.0', verdict: 'accepted', image: pushed })],
      plan: [
        {
          target: `k8s/local/${namespace.name}/web/web`,
          from: `${repository}:1.0.0`,
          to: pushed,
          verdict: 'roll',
          reason: null,
        },
      ],
    });
    const stages = await stagesBecome(recordId, ['failed', 'redriven', 'plan', 'rollout', 'health']);
    expect(stages[1]?.['detail']).toBe(`redriven by ${stringAt(redriven, 'redriven_by')}`);
    expect((await readDeployment()).spec?.template.spec?.containers[0]?.image).toBe(pushed);
    const pods = await runningPods(namespace.name, 'app=web', 1);
    expect(pods[0]?.spec?.containers[0]?.image).toBe(pushed);
  });

  it('does nothing, and says so, for a delivery already rolled out', async () => {
    const before = await readDeployment();
    const answer = await redrive(recordId);
    expect(answer.status, answer.text).toBe(200);
    expect(objectAt(answer.json)).toMatchObject({
      verdict: 'nothing-to-do',
      plan: [
        expect.objectContaining({
          verdict: 'skip',
          reason: `${pushed} was rolled out to k8s/local/${namespace.name}/web/web, or is being rolled out, by delivery ${recordId}`,
        }),
      ],
    });
    await stagesBecome(recordId, ['failed', 'redriven', 'plan', 'rollout', 'health', 'redriven', 'collapsed']);
    expect((await readDeployment()).metadata?.generation).toBe(before.metadata?.generation);
  });

  it('refuses to re-drive a delivery refused at the door, and an unknown one', async () => {
    const body = JSON.stringify({ image: repository, tag: '1.2.0', digest });
    const forged = await call(berth.apps.hooks, `/hooks/${hookId}`, { body, headers: { 'x-signature': 'sha256=00' } });
    expect(forged.status).toBe(401);
    const listed = arrayAt(
      (await admin(hookAdminRoutes.listHookDeliveries, { params: { id: hookId }, query: {} })).json,
      'items',
    );
    const refused = listed.map((entry) => objectAt(entry)).find((entry) => entry['verdict'] === 'rejected');
    const answer = await redrive(stringAt(refused, 'record_id'));
    expect(answer.status).toBe(409);
    expect(stringAt(answer.json, 'description')).toContain('it has no events to re-drive');
    expect((await redrive('20260101T000000000Z-00000000')).status).toBe(404);
  });
});
