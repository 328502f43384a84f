import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signDelivery } from '../../core/hooks/signatures.ts';
import { hookAdminRoutes } from '../../functions/hooks/routes.ts';
import { ADMIN_TOKEN, createHarness, eventually, mintToken, type Harness } from '../support/harness.ts';
import { call, callRoute } from '../support/http.ts';
import { arrayAt, objectAt, stringAt } from '../support/json.ts';
import { createNamespace, kube, runningPods, runningDeployment } from '../support/kube.ts';

/*
 * An approval-gated hook: an accepted push waits for two distinct approvers
 * who name its digest; a newer push supersedes the one waiting; the second
 * approval rolls the Deployment on the local control plane.
 */

let berth: Harness;
let namespace: { name: string; remove(): Promise<void> };
let hookId: string;
let secret: string;
let secondApprover: string;
const repository = 'registry.example.com/ap/web';
const digest = (fill: string) => `sha256:${fill.repeat(64)}`;

const approvals = async () =>
  arrayAt((await callRoute(berth.apps.admin, hookAdminRoutes.listApprovals, { token: ADMIN_TOKEN })).json, 'items').map(
    (entry) => objectAt(entry),
  );
const vote = (token: string, recordId: string, voteDigest: string) =>
  callRoute(berth.apps.admin, hookAdminRoutes.voteOnApproval, {
    token,
    params: { hookId, recordId },
    json: { decision: 'approve', digest: voteDigest },
  });
const stagesOf = async (recordId: string) =>
  arrayAt(
    (
      await callRoute(berth.apps.admin, hookAdminRoutes.getHookDelivery, {
        token: ADMIN_TOKEN,
        params: { id: hookId, recordId },
      })
    ).json,
    'stages',
  ).map((stage) => objectAt(stage)['stage']);
const deploymentImage = async () =>
  (await kube().apps.readNamespacedDeployment({ name: 'web', namespace: namespace.name })).spec?.template.spec
    ?.containers[0]?.image;
async function push(tag: string, fill: string) {
  const body = JSON.stringify({ image: repository, tag, digest: digest(fill) });
  const headers = signDelivery({ scheme: 'hmac', secret, body: Buffer.from(body), id: 'x', now: new Date() });
  const answer = await call(berth.apps.hooks, `/hooks/${hookId}`, { body, headers });
  expect(answer.status, answer.text).toBe(202);
  return stringAt(answer.json, 'record_id');
}

beforeAll(async () => {
  berth = await createHarness();
  await berth.startWorkers();
  await call(berth.apps.admin, '/admin/clusters', {
    token: ADMIN_TOKEN,
    json: { id: 'local', name: 'local', kubeconfig: inject('kubeconfig') },
  });
  namespace = await createNamespace('approvals');
  await runningDeployment(namespace.name, 'web', `${repository}:1.0.0`);
  secondApprover = await mintToken(berth, { name: `approver-${randomBytes(3).toString('hex')}`, role: 'admin' });
  const created = await callRoute(berth.apps.admin, hookAdminRoutes.createHook, {
    token: ADMIN_TOKEN,
    json: {
      name: 'web, approved',
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
      approval: { approvers: 2, deadline_seconds: 3600 },
      health_timeout_seconds: 60,
    },
  });
  expect(created.status).toBe(201);
  expect(objectAt(created.json)['approval']).toEqual({ approvers: 2, deadline_seconds: 3600 });
  hookId = stringAt(created.json, 'id');
  secret = stringAt(created.json, 'secret');
}, 180_000);
afterAll(async () => {
  await namespace?.remove();
  await berth?.close();
});

describe('an approval-gated hook', () => {
  let older: string;
  let newer: string;

  it('waits for approvals instead of rolling out; a newer push supersedes the one waiting', async () => {
    older = await push('1.1.0', 'a');
    await eventually(async () => ((await approvals()).length === 1 ? true : undefined));
    newer = await push('1.2.0', 'b');
    await eventually(async () => ((await stagesOf(older)).includes('superseded') ? true : undefined));
    const pending = await approvals();
    expect(pending).toEqual([
      expect.objectContaining({
        hook_id: hookId,
        record_id: newer,
        status: 'pending',
        image: `${repository}:1.2.0@${digest('b')}`,
        digest: digest('b'),
        required_approvals: 2,
        approvals: 0,
      }),
    ]);
    expect(await stagesOf(older)).toEqual(['approval', 'superseded']);
    expect((await vote(ADMIN_TOKEN, older, digest('a'))).status).toBe(409);
    expect(await deploymentImage()).toBe(`${repository}:1.0.0`);
  });

  it('binds votes to the digest and counts each approver once', async () => {
    const wrongDigest = await vote(ADMIN_TOKEN, newer, digest('a'));
    expect(wrongDigest.status).toBe(409);
    expect(stringAt(wrongDigest.json, 'description')).toContain('votes are bound to the digest');
    const first = await vote(ADMIN_TOKEN, newer, digest('b'));
    expect(first.status).toBe(200);
    expect(objectAt(first.json)).toMatchObject({ status: 'pending', approvals: 1 });
    expect((await vote(ADMIN_TOKEN, newer, digest('b'))).status).toBe(409);
    expect(await deploymentImage()).toBe(`${repository}:1.0.0`);
  });

  it('rolls out on the second approval, behind the health gate', async () => {
    const second = await vote(secondApprover, newer, digest('b'));
    expect(objectAt(second.json)).toMatchObject({ status: 'approved', approvals: 2 });
    expect(arrayAt(second.json, 'votes').map((entry) => objectAt(entry)['by'])).toEqual([
      'admin',
      expect.stringMatching(/^approver-/),
    ]);
    await eventually(async () => ((await stagesOf(newer)).includes('health') ? true : undefined), {
      timeoutMs: 60_000,
    });
    expect(await stagesOf(newer)).toEqual(['approval', 'vote', 'vote', 'plan', 'rollout', 'health']);
    expect(await deploymentImage()).toBe(`${repository}:1.2.0@${digest('b')}`);
    const pods = await runningPods(namespace.name, 'app=web', 1);
    expect(pods[0]?.spec?.containers[0]?.image).toBe(`${repository}:1.2.0@${digest('b')}`);
    expect(await approvals()).toEqual([]);
  });
});
