import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { signDelivery } from '../../core/hooks/signatures.ts';
import { hookAdminRoutes } from '../../functions/hooks/routes.ts';
import { ADMIN_TOKEN, createHarness, eventually, type Harness } from '../support/harness.ts';
import { call, callRoute, type Exchange, type RouteRequest } from '../support/http.ts';
import { arrayAt, objectAt, stringAt } from '../support/json.ts';
import { createNamespace, kube, runningPods } from '../support/kube.ts';
import { freePort } from '../../functions/local/dynamodb-local.ts';
import { pushTinyImage, startOciRegistry } from '../support/oci-registry.ts';
import { environmentClient, seedEnvironmentWorld } from '../support/zadig-environment.ts';

/*
 * Event-triggered deploys end to end: a second Debian registry whose
 * `notifications` section posts every push (with a static Authorization
 * header) to a loopback server that forwards to the hooks app; the stream
 * worker rolls the Zadig env service's Deployment on the local control plane.
 */

let berth: Harness;
let namespace: { name: string; remove(): Promise<void> };
let registry: Awaited<ReturnType<typeof startOciRegistry>>;
let forwarder: ReturnType<typeof serve>;
let hookId: string;
let secret: string;
let image: string;
const forwarded: Array<{ headers: Record<string, string>; body: string; status: number }> = [];
const { zadig, settled } = environmentClient(() => berth);

const admin = <C extends (typeof hookAdminRoutes)[keyof typeof hookAdminRoutes]>(
  contract: C,
  request: Parameters<typeof callRoute<C>>[2],
) => callRoute(berth.apps.admin, contract, { token: ADMIN_TOKEN, ...request });

const deploymentImage = async () =>
  (await kube().apps.readNamespacedDeployment({ name: 'service1', namespace: namespace.name })).spec?.template.spec
    ?.containers[0]?.image;

const deliveries = async (id: string) =>
  arrayAt((await admin(hookAdminRoutes.listHookDeliveries, { params: { id }, query: {} })).json, 'items');

const stagesOf = async (id: string, recordId: string) =>
  arrayAt((await admin(hookAdminRoutes.getHookDelivery, { params: { id, recordId } })).json, 'stages').map((stage) =>
    objectAt(stage),
  );

/** Waits until the delivery has a stage of this name, and answers every stage so far. */
const stageReached = (id: string, recordId: string, stage: string, timeoutMs = 60_000) =>
  eventually(
    async () => {
      const stages = await stagesOf(id, recordId);
      return stages.some((entry) => entry['stage'] === stage) ? stages : undefined;
    },
    { timeoutMs, intervalMs: 300 },
  );

/** The record of the accepted delivery that carried this tag. */
const acceptedDeliveryOf = (id: string, tag: string) =>
  eventually(async () => {
    const found = (await deliveries(id))
      .map((entry) => objectAt(entry))
      .find(
        (entry) =>
          entry['verdict'] === 'accepted' && arrayAt(entry, 'events').some((event) => objectAt(event)['tag'] === tag),
      );
    return found ? stringAt(found, 'record_id') : undefined;
  });

const hooksApp = () => berth.apps.hooks;

/** Never-ready pods for images tagged 2.0.0, in this file's namespace only: their creation is denied. */
async function denyTag(tag: string, namespaceName: string) {
  const config = new KubeConfig();
  config.loadFromString(inject('kubeconfig'));
  const objects = KubernetesObjectApi.makeApiClient(config);
  const name = `berth-test-deny-${namespaceName}`;
  await objects.create({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: {
        resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }],
      },
      validations: [
        {
          expression: `!object.spec.containers.exists(c, c.image.contains(':${tag}@') || c.image.endsWith(':${tag}'))`,
          message: 'this image never becomes ready (test)',
        },
      ],
    },
  });
  await objects.create({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name },
    spec: {
      policyName: name,
      validationActions: ['Deny'],
      matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespaceName } } },
    },
  });
  return async () => {
    for (const kind of ['ValidatingAdmissionPolicyBinding', 'ValidatingAdmissionPolicy'])
      await objects
        .delete({ apiVersion: 'admissionregistration.k8s.io/v1', kind, metadata: { name } })
        .catch(() => undefined);
  };
}
let removeDenial: () => Promise<void>;

beforeAll(async () => {
  berth = await createHarness();
  await berth.startWorkers();
  namespace = await createNamespace('hooks');
  removeDenial = await denyTag('2.0.0', namespace.name);
  await seedEnvironmentWorld(berth, 'hk');
  const env = await zadig('/openapi/environments?projectKey=hk', {
    json: {
      env_key: 'dev',
      cluster_id: 'local',
      namespace: namespace.name,
      registry_id: 'harbor',
      services: [{ service_name: 'service1' }],
    },
  });
  expect((await settled(stringAt(env.json, 'operation_id'))).state).toBe('success');
  await runningPods(namespace.name, 'app=service1', 1);

  forwarder = await new Promise((resolve) => {
    const server = serve(
      {
        port: 0,
        hostname: '127.0.0.1',
        fetch: async (request) => {
          const body = await request.text();
          const response = await hooksApp().fetch(
            new Request(request.url, { method: request.method, headers: request.headers, body }),
          );
          const headers = Object.fromEntries(request.headers.entries());
          forwarded.push({ headers, body, status: response.status });
          return response;
        },
      },
      () => resolve(server),
    );
  });
}, 180_000);

afterAll(async () => {
  await registry?.stop();
  await new Promise((resolve) => forwarder?.close(resolve));
  await removeDenial?.();
  await namespace?.remove();
  await berth?.close();
});

describe('a distribution registry hook rolls the Zadig env service on push', () => {
  it('creates the hook; its secret is shown once and sealed at rest', async () => {
    const port = (forwarder.address() as AddressInfo).port;
    // The registry is started once the hook exists (its URL and secret go into the registry's config).
    const registryPort = await freePort();
    image = `127.0.0.1:${registryPort}/hk/service1`;
    const created = await admin(hookAdminRoutes.createHook, {
      json: {
        name: 'service1 on push',
        source: 'distribution',
        image,
        policy: { type: 'semver', range: '>=1.0.0' },
        targets: [
          {
            kind: 'zadig-env-service',
            project_key: 'hk',
            env_key: 'dev',
            service_name: 'service1',
            deployment: 'service1',
            container: 'service1',
          },
        ],
        health_timeout_seconds: 15,
      },
    });
    expect(created.status).toBe(201);
    hookId = stringAt(created.json, 'id');
    secret = stringAt(created.json, 'secret');
    expect(hookId).toMatch(/^[0-9a-f]{32}$/);
    expect(stringAt(created.json, 'url')).toMatch(new RegExp(`/hooks/${hookId}$`));
    expect(objectAt(created.json)).toMatchObject({ auth: 'authorization', write: 'tag@digest', active_secrets: 1 });

    const read = await admin(hookAdminRoutes.getHook, { params: { id: hookId } });
    expect(read.text).not.toContain(secret);
    const stored = JSON.stringify(await berth.rawItem({ pk: 'HOOKS', sk: `HOOK#${hookId}` }));
    expect(stored).not.toContain(secret);
    expect(stored).not.toContain(secret.slice(4, 20));

    registry = await startOciRegistry({
      port: registryPort,
      extraConfig: [
        `notifications: {endpoints: [{name: berth, url: "http://127.0.0.1:${port}/hooks/${hookId}", headers: {Authorization: ["Bearer ${secret}"]}, timeout: 2s, threshold: 3, backoff: 1s}]}`,
      ],
    });
  });

  it('rolls the Deployment to the pushed image, behind the health gate', async () => {
    const digest = await pushTinyImage(registry, 'hk/service1', '1.0.1');
    const expected = `${image}:1.0.1@${digest}`;
    await eventually(async () => ((await deploymentImage()) === expected ? true : undefined), { timeoutMs: 30_000 });
    const recordId = await acceptedDeliveryOf(hookId, '1.0.1');
    const stages = await stageReached(hookId, recordId, 'health');
    expect(stages.map((stage) => stage['stage'])).toEqual(['plan', 'rollout', 'health']);
    expect(stages[2]).toMatchObject({ detail: 'every replica updated and available', to: expected });
    const pods = await runningPods(namespace.name, 'app=service1', 1);
    expect(pods[0]?.spec?.containers[0]?.image).toBe(expected);
    // The change is an env service revision, as an env op's image update is.
    const detail = await zadig('/openapi/environments/dev?projectKey=hk');
    expect(detail.text).toContain(expected);
  });

  it('answers the same delivery again exactly as the first time, and does nothing', async () => {
    const first = forwarded.find((entry) => entry.status === 202);
    if (!first) throw new Error('the registry delivered no accepted push');
    const before = await kube().apps.readNamespacedDeployment({ name: 'service1', namespace: namespace.name });
    const firstAnswer = await call(hooksApp(), `/hooks/${hookId}`, { body: first.body, headers: first.headers });
    const again = await call(hooksApp(), `/hooks/${hookId}`, { body: first.body, headers: first.headers });
    expect(again.status).toBe(202);
    expect(again.json).toEqual(firstAnswer.json);
    expect(again.headers.get('berth-duplicate-delivery')).toBe('true');
    const recordId = stringAt(again.json, 'record_id');
    await stageReached(hookId, recordId, 'duplicate');
    const after = await kube().apps.readNamespacedDeployment({ name: 'service1', namespace: namespace.name });
    expect(after.metadata?.generation).toBe(before.metadata?.generation);
  });

  it('collapses another delivery of the same image to the same target into the first rollout', async () => {
    const first = forwarded.find((entry) => entry.status === 202);
    if (!first) throw new Error('the registry delivered no accepted push');
    // The registry repeating itself under new event ids (or a second envelope for a multi-arch push).
    const envelope = JSON.parse(first.body) as { events: Array<{ id: string }> };
    for (const event of envelope.events) event.id = `${event.id}-again`;
    const repeat = await call(hooksApp(), `/hooks/${hookId}`, {
      body: JSON.stringify(envelope),
      headers: first.headers,
    });
    expect(repeat.status).toBe(202);
    expect(repeat.headers.get('berth-duplicate-delivery')).toBeNull();
    const stages = await stageReached(hookId, stringAt(repeat.json, 'record_id'), 'collapsed');
    expect(stages.map((stage) => stage['stage'])).toEqual(['collapsed']);
  });

  it('refuses a forged delivery and records it', async () => {
    const first = forwarded.find((entry) => entry.status === 202);
    if (!first) throw new Error('the registry delivered no accepted push');
    const forged = await call(hooksApp(), `/hooks/${hookId}`, {
      body: first.body.replace('1.0.1', '9.9.9'),
      headers: { ...first.headers, authorization: 'Bearer bhk_guessed' },
    });
    expect(forged.status).toBe(401);
    expect(objectAt(forged.json)).toMatchObject({ description: 'Authorization header does not match' });
    const recorded = (await deliveries(hookId)).map((entry) => objectAt(entry));
    expect(recorded).toContainEqual(
      expect.objectContaining({ verdict: 'rejected', reason: 'Authorization header does not match' }),
    );
  });

  it('never moves to an older version than it runs', async () => {
    await pushTinyImage(registry, 'hk/service1', '1.0.0');
    const recordId = await acceptedDeliveryOf(hookId, '1.0.0');
    const stages = await stageReached(hookId, recordId, 'skipped');
    expect(stages[0]?.['detail']).toContain('is older than the running 1.0.1');
    expect(await deploymentImage()).toContain(':1.0.1@');
  });

  it('rolls an image whose pods never become ready back to the previous one', async () => {
    const running = await deploymentImage();
    await pushTinyImage(registry, 'hk/service1', '2.0.0');
    const recordId = await acceptedDeliveryOf(hookId, '2.0.0');
    const stages = await stageReached(hookId, recordId, 'rollback', 90_000);
    expect(stages.map((stage) => stage['stage'])).toEqual(['plan', 'rollout', 'health', 'rollback']);
    expect(String(stages[2]?.['detail'])).toMatch(/^failed: not available within 15 s/);
    expect(stages[3]).toMatchObject({ to: running, detail: `${running} put back and available` });
    expect(await deploymentImage()).toBe(running);
    await runningPods(namespace.name, 'app=service1', 1);
  }, 120_000);
});

describe('signed deliveries', () => {
  let standardId: string;
  let standardSecret: string;
  let newestSecret: string;
  const payload = (tag: string) =>
    JSON.stringify({
      type: 'image.pushed',
      timestamp: new Date().toISOString(),
      data: { repository: 'hk/other', tag, digest: `sha256:${'c'.repeat(64)}` },
    });
  const send = (id: string, body: string, headers: Record<string, string>): Promise<Exchange> =>
    call(hooksApp(), `/hooks/${id}`, { body, headers: { 'content-type': 'application/json', ...headers } });

  beforeAll(async () => {
    const created = await admin(hookAdminRoutes.createHook, {
      json: {
        name: 'signed',
        source: 'standard-webhooks',
        image: 'registry.example.com/hk/other',
        policy: { type: 'glob', pattern: 'release-*' },
        targets: [
          {
            kind: 'k8s-service-deployment',
            cluster: 'local',
            namespace: namespace.name,
            deployment: 'service1',
            container: 'service1',
          },
        ],
        dry_run: true,
        rate_limit_per_minute: 6,
      },
    });
    expect(created.status).toBe(201);
    standardId = stringAt(created.json, 'id');
    standardSecret = stringAt(created.json, 'secret');
    expect(standardSecret).toMatch(/^whsec_/);
  });

  const signed = (body: string, secretValue: string, now = new Date()) =>
    signDelivery({
      scheme: 'standard-webhooks',
      secret: secretValue,
      body: Buffer.from(body),
      id: `msg_${randomBytes(6).toString('hex')}`,
      now,
    });

  it('accepts a correctly signed delivery and, in dry run, only plans', async () => {
    const body = payload('release-7');
    const answer = await send(standardId, body, signed(body, standardSecret));
    expect(answer.status).toBe(202);
    expect(objectAt(answer.json)).toMatchObject({ verdict: 'accepted', dry_run: true });
    const stages = await stageReached(standardId, stringAt(answer.json, 'record_id'), 'plan');
    expect(stages[0]).toMatchObject({
      detail: 'dry run: would roll',
      to: `registry.example.com/hk/other:release-7@sha256:${'c'.repeat(64)}`,
    });
    expect(await deploymentImage()).not.toContain('hk/other');
  });

  it('refuses a delivery signed with the wrong key, and a stale one, and records both', async () => {
    const body = payload('release-8');
    const wrongKey = await send(standardId, body, signed(body, `whsec_${randomBytes(32).toString('base64')}`));
    expect(wrongKey.status).toBe(401);
    const stale = await send(standardId, body, signed(body, standardSecret, new Date(Date.now() - 10 * 60_000)));
    expect(stale.status).toBe(401);
    expect(stringAt(stale.json, 'description')).toContain('stale or replayed');
    const reasons = (await deliveries(standardId)).map((entry) => objectAt(entry)['reason']);
    expect(reasons).toContain('webhook-signature does not match');
    expect(reasons).toContainEqual(expect.stringContaining('stale or replayed'));
  });

  it('takes the old secret during a rotation window, and not after it', async () => {
    const rotated = await admin(hookAdminRoutes.rotateHookSecret, {
      params: { id: standardId },
      json: { grace_seconds: 3600 },
    });
    expect(objectAt(rotated.json)).toMatchObject({ active_secrets: 2 });
    const newSecret = stringAt(rotated.json, 'secret');
    for (const key of [standardSecret, newSecret]) {
      const body = payload('release-9');
      expect((await send(standardId, body, signed(body, key))).status).toBe(202);
    }
    const closed = await admin(hookAdminRoutes.rotateHookSecret, {
      params: { id: standardId },
      json: { grace_seconds: 0 },
    });
    const latest = stringAt(closed.json, 'secret');
    newestSecret = latest;
    expect(objectAt(closed.json)).toMatchObject({ active_secrets: 1 });
    const body = payload('release-10');
    expect((await send(standardId, body, signed(body, newSecret))).status).toBe(401);
    expect((await send(standardId, body, signed(body, latest))).status).toBe(429);
    const limited = await send(standardId, body, signed(body, latest));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('says what a sample delivery would do, without doing it', async () => {
    const body = payload('release-11');
    const forged = await admin(hookAdminRoutes.testHook, {
      params: { id: standardId },
      json: { body, headers: signed(body, `whsec_${randomBytes(32).toString('base64')}`) },
    });
    expect(objectAt(forged.json)).toMatchObject({ signature: 'invalid', verdict: 'rejected', plan: [] });
    const running = await deploymentImage();
    const report = await admin(hookAdminRoutes.testHook, {
      params: { id: standardId },
      json: { body, headers: signed(body, newestSecret) },
    });
    expect(report.status).toBe(200);
    expect(objectAt(report.json)).toMatchObject({
      signature: 'valid',
      verdict: 'accepted',
      plan: [
        {
          target: `k8s/local/${namespace.name}/service1/service1`,
          from: running,
          to: `registry.example.com/hk/other:release-11@sha256:${'c'.repeat(64)}`,
          verdict: 'roll',
          reason: null,
        },
      ],
    });
    expect(await deploymentImage()).toBe(running);
  });
});

describe('the admin API of hooks', () => {
  it('refuses a target that does not exist, and an unknown field', async () => {
    const base: RouteRequest<typeof hookAdminRoutes.createHook>['json'] = {
      name: 'x',
      source: 'generic',
      image: 'r.example.com/a',
      policy: { type: 'semver' },
      targets: [
        {
          kind: 'zadig-env-service',
          project_key: 'hk',
          env_key: 'nope',
          service_name: 'service1',
          deployment: 'service1',
          container: 'service1',
        },
      ],
    };
    const missing = await admin(hookAdminRoutes.createHook, { json: base });
    expect(missing.status).toBe(400);
    expect(stringAt(missing.json, 'description')).toContain('not found in environment "nope"');
    const unknown = await call(berth.apps.admin, '/admin/hooks', {
      token: ADMIN_TOKEN,
      json: { ...base, colour: 'red' },
    });
    expect(unknown.status).toBe(400);
    expect(stringAt(unknown.json, 'description')).toBe('unknown field colour');
  });

  it('lists and deletes hooks', async () => {
    const listed = await admin(hookAdminRoutes.listHooks, { query: {} });
    const ids = arrayAt(listed.json, 'items').map((entry) => stringAt(entry, 'id'));
    expect(ids).toContain(hookId);
    expect(listed.text).not.toContain(secret);
    const removed = await admin(hookAdminRoutes.deleteHook, { params: { id: hookId } });
    expect(removed.status).toBe(204);
    const gone = await call(hooksApp(), `/hooks/${hookId}`, {
      body: '{}',
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(gone.status).toBe(404);
    const records = await admin(hookAdminRoutes.listHookDeliveries, { params: { id: hookId }, query: {} });
    expect(records.status).toBe(404);
  });
});
