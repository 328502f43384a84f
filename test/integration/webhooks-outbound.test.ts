import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signDelivery } from '../../core/hooks/signatures.ts';
import { hookKeys } from '../../core/store/keys.ts';
import { hookAdminRoutes } from '../../functions/hooks/routes.ts';
import { handleRecords } from '../../functions/worker/handle-records.ts';
import { ADMIN_TOKEN, createHarness, eventually, type Harness } from '../support/harness.ts';
import { call, callRoute } from '../support/http.ts';
import { arrayAt, objectAt, stringAt } from '../support/json.ts';
import { createNamespace, runningDeployment } from '../support/kube.ts';

/*
 * Outbound webhooks: a receiver on loopback checks every Standard Webhooks
 * signature, fails the first attempt of each notification (so the sender
 * retries), and must see one notification per (object, state), even when
 * the stream hands the worker the same change again.
 */

let berth: Harness;
let receiver: Server;
let port: number;
let namespace: { name: string; remove(): Promise<void> };
const secrets = new Map<string, string>();
/** Every request the receiver got: its path, webhook-id, whether the signature held, and the body. */
const received: Array<{ path: string; id: string; signed: boolean; body: string; answered: number }> = [];
const repository = 'registry.example.com/wh/web';

const admin = <C extends (typeof hookAdminRoutes)[keyof typeof hookAdminRoutes]>(
  contract: C,
  request: Parameters<typeof callRoute<C>>[2],
) => callRoute(berth.apps.admin, contract, { token: ADMIN_TOKEN, ...request });

/** Checks a delivery as a Standard Webhooks receiver does: HMAC-SHA256 of `id.timestamp.body` under the decoded secret. */
function signatureHolds(secret: string, id: string, timestamp: string, body: string, header: string): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
  return header.split(' ').some((entry) => {
    const [version, value = ''] = entry.split(',', 2);
    const given = Buffer.from(value, 'base64');
    return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
  });
}

const accepted = (path: string) =>
  received.filter((entry) => entry.path === path && entry.answered === 204 && entry.signed);
const statesSeen = (path: string) =>
  accepted(path).map((entry) => {
    const body = JSON.parse(entry.body) as { type: string; data: { state?: string } };
    return `${body.type}:${body.data.state ?? 'requested'}`;
  });

beforeAll(async () => {
  berth = await createHarness();
  await berth.startWorkers({ retryDelaysMs: [200, 400] });
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      const path = request.url ?? '';
      const id = String(request.headers['webhook-id']);
      const secret = secrets.get(path) ?? '';
      const signed = signatureHolds(
        secret,
        id,
        String(request.headers['webhook-timestamp']),
        body,
        String(request.headers['webhook-signature']),
      );
      const firstAttempt = !received.some((entry) => entry.path === path && entry.id === id);
      const answered = !signed ? 401 : path === '/down' || firstAttempt ? 503 : 204;
      received.push({ path, id, signed, body, answered });
      response.writeHead(answered).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  port = (receiver.address() as AddressInfo).port;
  await call(berth.apps.admin, '/admin/clusters', {
    token: ADMIN_TOKEN,
    json: { id: 'local', name: 'local', kubeconfig: inject('kubeconfig') },
  });
  namespace = await createNamespace('webhooks');
  await runningDeployment(namespace.name, 'web', `${repository}:1.0.0`);
}, 180_000);
afterAll(async () => {
  await new Promise((resolve) => receiver?.close(resolve));
  await namespace?.remove();
  await berth?.close();
});

describe('subscriptions', () => {
  it('refuses plain http off loopback, and hosts at private, link-local or metadata addresses', async () => {
    for (const [url, reason] of [
      ['http://93.184.215.14/events', 'must be https'],
      ['https://169.254.169.254/latest/meta-data', '169.254.169.254 is a private, link-local, metadata'],
      ['https://10.1.2.3/events', '10.1.2.3 is a private'],
      ['https://[::ffff:192.168.1.1]/events', 'is a private'],
      ['https://[fd00:ec2::254]/events', 'is a private'],
      ['https://user:pw@93.184.215.14/', 'must not carry credentials'],
    ] as const) {
      const refused = await admin(hookAdminRoutes.createWebhook, { json: { url, event_types: ['hook.rollout'] } });
      expect(refused.status, url).toBe(400);
      expect(stringAt(refused.json, 'description')).toContain(reason);
    }
  });

  it('subscribes loopback receivers in local mode; the secret is shown once and sealed', async () => {
    for (const path of ['/in', '/down']) {
      const created = await admin(hookAdminRoutes.createWebhook, {
        json: { url: `http://127.0.0.1:${port}${path}`, event_types: ['approval.requested', 'hook.rollout'] },
      });
      expect(created.status).toBe(201);
      const secret = stringAt(created.json, 'secret');
      expect(secret).toMatch(/^whsec_/);
      secrets.set(path, secret);
      const stored = JSON.stringify(
        await berth.rawItem({ pk: 'WEBHOOKS', sk: `WEBHOOK#${stringAt(created.json, 'id')}` }),
      );
      expect(stored).not.toContain(secret.slice(6, 30));
    }
    const listed = await admin(hookAdminRoutes.listWebhooks, { query: {} });
    expect(arrayAt(listed.json, 'items')).toHaveLength(2);
    expect(listed.text).not.toContain('whsec_');
  });
});

describe('notifications of an approval-gated rollout', () => {
  let hookId: string;
  let recordId: string;

  it('tells the receiver once per state, signed, even though each first attempt fails', async () => {
    const created = await admin(hookAdminRoutes.createHook, {
      json: {
        name: 'notified',
        source: 'generic',
        image: repository,
        policy: { type: 'semver' },
        targets: [
          {
            kind: 'k8s-service-deployment',
            cluster: 'local',
            namespace: namespace.name,
            deployment: 'web',
            container: 'web',
          },
        ],
        approval: { approvers: 1 },
        health_timeout_seconds: 60,
      },
    });
    hookId = stringAt(created.json, 'id');
    const body = JSON.stringify({ image: repository, tag: '1.1.0', digest: `sha256:${'d'.repeat(64)}` });
    const secret = stringAt(created.json, 'secret');
    const headers = signDelivery({ scheme: 'hmac', secret, body: Buffer.from(body), id: 'x', now: new Date() });
    const answer = await call(berth.apps.hooks, `/hooks/${hookId}`, { body, headers });
    recordId = stringAt(answer.json, 'record_id');
    await eventually(async () => (statesSeen('/in').includes('approval.requested:requested') ? true : undefined));
    const voted = await admin(hookAdminRoutes.voteOnApproval, {
      params: { hookId, recordId },
      json: { decision: 'approve', digest: `sha256:${'d'.repeat(64)}` },
    });
    expect(objectAt(voted.json)).toMatchObject({ status: 'approved' });
    await eventually(async () => (statesSeen('/in').includes('hook.rollout:healthy') ? true : undefined), {
      timeoutMs: 60_000,
    });
    expect(statesSeen('/in')).toEqual(['approval.requested:requested', 'hook.rollout:rollout', 'hook.rollout:healthy']);
    // Each notification was tried twice (the first attempt refused), under one webhook-id.
    const ids = accepted('/in').map((entry) => entry.id);
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) expect(received.filter((entry) => entry.path === '/in' && entry.id === id)).toHaveLength(2);
    expect(received.every((entry) => entry.signed)).toBe(true);
  });

  it('sends nothing more when the stream hands the worker the same change again', async () => {
    const approval = await berth.rawItem(hookKeys.approval(hookId, recordId));
    if (!approval) throw new Error('the approval is not in the table');
    // Only `/in`: the `/down` subscription's attempts may still be going on meanwhile.
    const toIn = () => received.filter((entry) => entry.path === '/in').length;
    const before = toIn();
    await handleRecords([{ eventName: 'INSERT', dynamodb: { NewImage: marshall(approval) } }], {
      ctx: berth.ctx,
      connections: berth.connections,
      outbound: { allowLoopback: true, retryDelaysMs: [] },
    });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(toIn()).toBe(before);
    expect(statesSeen('/in')).toHaveLength(3);
  });

  it('keeps a dead letter for each notification a receiver never took', async () => {
    const subscriptions = arrayAt((await admin(hookAdminRoutes.listWebhooks, { query: {} })).json, 'items');
    const down = subscriptions.map((entry) => objectAt(entry)).find((entry) => String(entry['url']).endsWith('/down'));
    if (!down) throw new Error('no /down subscription');
    const letters = await eventually(async () => {
      const listed = arrayAt(
        (await admin(hookAdminRoutes.listWebhookDeadLetters, { params: { id: stringAt(down, 'id') } })).json,
        'items',
      );
      return listed.length === 3 ? listed.map((entry) => objectAt(entry)) : undefined;
    });
    for (const letter of letters) expect(letter).toMatchObject({ attempts: 3, last_error: 'HTTP 503' });
    expect(received.filter((entry) => entry.path === '/down')).toHaveLength(9);
  });
});
