import { randomBytes, randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { sha256Hex } from '../../core/crypto/secret-box.ts';
import { UnavailableError } from '../../core/errors.ts';
import { keys } from '../../core/store/keys.ts';
import { createAppShell } from '../../functions/http/app-shell.ts';
import { createRouter, defineRoute } from '../../functions/http/contract.ts';
import { REPLAYED_HEADER } from '../../functions/http/idempotency.ts';
import { renderOteError } from '../../functions/ote/errors.ts';
import { ADMIN_TOKEN, createHarness, eventually, mintToken, type Harness } from '../support/harness.ts';
import { call, type CallOptions, type Exchange } from '../support/http.ts';
import { arrayAt, at, numberAt, stringAt } from '../support/json.ts';
import { kube } from '../support/kube.ts';
import { documentApp, oteCall } from '../support/ote.ts';

/*
 * `Idempotency-Key` across the dialects: a retry gets the first answer back,
 * marked, and nothing acts twice; the key reused for another request is a
 * 422 in the dialect's envelope; a duplicate arriving while the first acts
 * is a 409.
 */

let berth: Harness;
const newKey = () => `key-${randomBytes(8).toString('hex')}`;
const withKey = (key: string, options: CallOptions): CallOptions => ({
  ...options,
  headers: { ...options.headers, 'idempotency-key': key },
});

/** Sends the same request twice with one key: the second answer is the first one, replayed. */
async function sentTwice(send: (options: CallOptions) => Promise<Exchange>, options: CallOptions) {
  const key = newKey();
  const first = await send(withKey(key, options));
  const again = await send(withKey(key, options));
  expect(first.headers.get(REPLAYED_HEADER)).toBeNull();
  expect(again.headers.get(REPLAYED_HEADER)).toBe('true');
  expect(again.status).toBe(first.status);
  expect(again.headers.get('content-type')).toBe(first.headers.get('content-type'));
  expect(again.text).toBe(first.text);
  return { key, first, again };
}

beforeAll(async () => {
  berth = await createHarness();
});
afterAll(() => berth?.close());

describe('admin', () => {
  const admin = (options: CallOptions) => call(berth.apps.admin, '/admin/tokens', { token: ADMIN_TOKEN, ...options });
  const tokensNamed = async (name: string) =>
    arrayAt((await call(berth.apps.admin, '/admin/tokens', { token: ADMIN_TOKEN })).json, 'items').filter(
      (token) => at(token, 'name') === name,
    );

  it('mints one token for a retried request, and keeps the answer sealed', async () => {
    const { key, first } = await sentTwice(admin, { json: { name: 'retried', role: 'user' } });
    expect(first.status).toBe(201);
    expect(await tokensNamed('retried')).toHaveLength(1);
    const stored = JSON.stringify(
      await berth.rawItem(keys.idempotencyKey(sha256Hex(`${sha256Hex(`Bearer ${ADMIN_TOKEN}\n`)}\n${key}`))),
    );
    expect(stored).toContain('"state":"done"');
    expect(stored).not.toContain(stringAt(first.json, 'token'));
  });

  it('scopes a key to its caller: another token with the same key acts on its own', async () => {
    const key = newKey();
    const other = await mintToken(berth, { name: 'second admin', role: 'admin' });
    const json = { name: 'per-caller', role: 'user' };
    const mine = await admin(withKey(key, { json }));
    const theirs = await call(berth.apps.admin, '/admin/tokens', withKey(key, { token: other, json }));
    expect(theirs.headers.get(REPLAYED_HEADER)).toBeNull();
    expect(stringAt(theirs.json, 'id')).not.toBe(stringAt(mine.json, 'id'));
    expect(await tokensNamed('per-caller')).toHaveLength(2);
  });

  it('answers the key reused for another request with a 422 in the admin envelope', async () => {
    const key = newKey();
    await admin(withKey(key, { json: { name: 'first use', role: 'user' } }));
    const reused = await admin(withKey(key, { json: { name: 'second use', role: 'user' } }));
    expect(reused.status).toBe(422);
    expect(reused.json).toEqual({
      code: 422,
      message: 'Unprocessable Entity',
      description: 'this Idempotency-Key was used for another request (method, path or body differ)',
    });
    expect(await tokensNamed('second use')).toHaveLength(0);
  });
});

describe('Zadig', () => {
  const createProject = (options: CallOptions) =>
    call(berth.apps['zadig-service'], '/openapi/projects/project', { token: ADMIN_TOKEN, ...options });
  const json = { project_key: 'idem', project_name: 'Idempotent', project_type: 'yaml' };

  it('replays a project creation instead of answering that the project exists', async () => {
    const { first } = await sentTwice(createProject, { json });
    expect(first.status).toBe(200);
    // Without the key, the same request acts again: the project exists.
    expect((await createProject({ json })).status).toBe(409);
    const stored = await berth.rawItem(keys.project('idem'));
    expect(stored?.['version']).toBe(1);
  });

  it('answers the key reused for another request with a 422 in the Zadig envelope', async () => {
    const key = newKey();
    await createProject(withKey(key, { json: { ...json, project_key: 'idem-a' } }));
    const reused = await createProject(withKey(key, { json: { ...json, project_key: 'idem-b' } }));
    expect(reused.status).toBe(422);
    expect(reused.json).toMatchObject({ code: 422, message: 'Unprocessable Entity' });
    expect(await berth.rawItem(keys.project('idem-b'))).toBeUndefined();
  });
});

describe('ote-stack', () => {
  const createApp = (options: CallOptions) => oteCall(berth, 'ote-app', '/v1/app', options);
  const json = { ...documentApp, appName: 'idem-app', repositoryId: undefined };

  it('gives a retried application creation the same id, from one counter step', async () => {
    const { first } = await sentTwice(createApp, { json });
    expect(first.status).toBe(201);
    const appId = numberAt(first.json, 'data', 'id');
    const listed = await oteCall(berth, 'ote-app', '/v1/app?appName=idem-app&appNameMode=strict');
    expect(arrayAt(listed.json, 'data').map((app) => at(app, 'id'))).toEqual([appId]);
    expect((await berth.rawItem(keys.counter('ote-app')))?.['value']).toBe(appId);
  });

  it('answers the key reused for another request with a 422 in the ote-stack envelope', async () => {
    const key = newKey();
    await createApp(withKey(key, { json: { ...json, version: '2.0' } }));
    const reused = await createApp(withKey(key, { json: { ...json, version: '2.1' } }));
    expect(reused.status).toBe(422);
    expect(reused.json).toEqual({
      code: 422,
      message: 'this Idempotency-Key was used for another request (method, path or body differ)',
    });
  });
});

describe('V-Kube', () => {
  let secret: string;
  let namespace: string;
  const hostPort = 20000 + randomInt(0, 20000);
  const deploy = (options: CallOptions) =>
    call(berth.apps['v-kube'], '/api/v1/k8s/deploy', { ...options, headers: { secret, ...options.headers } });
  const body = (image: string) => ({
    nodeSelector: { region: 'cn-north' },
    containers: [
      { name: 'main', imageName: image, ports: [{ containerPort: 80, hostPort }], resource: { memory: '100Mi' } },
    ],
  });
  const podUids = async () =>
    (await kube().core.listNamespacedPod({ namespace })).items
      .filter((pod) => !pod.metadata?.deletionTimestamp)
      .map((pod) => pod.metadata?.uid);

  beforeAll(async () => {
    await call(berth.apps.admin, '/admin/clusters', {
      token: ADMIN_TOKEN,
      json: { id: 'local', name: 'local', kubeconfig: inject('kubeconfig') },
    });
    const order = await call(berth.apps.admin, '/admin/vkube/orders', {
      token: ADMIN_TOKEN,
      json: { duration: 3600, region: 'cn-north', serviceOptions: { resourceUnit: '1-Unit-Resource' } },
    });
    secret = stringAt(order.json, 'secret');
    namespace = stringAt(order.json, 'namespace');
  });
  afterAll(async () => {
    const orders = arrayAt((await call(berth.apps.admin, '/admin/vkube/orders', { token: ADMIN_TOKEN })).json, 'items');
    for (const order of orders)
      await call(berth.apps.admin, `/admin/vkube/orders/${stringAt(order, 'id')}`, {
        token: ADMIN_TOKEN,
        method: 'DELETE',
      });
  });

  it('does not replace the order’s pod for a retried deploy', async () => {
    const { first } = await sentTwice(deploy, { json: body('nginx') });
    expect(first.json).toEqual({ status: 'OK' });
    const uids = await eventually(async () => {
      const found = await podUids();
      return found.length === 1 ? found : undefined;
    });
    expect(await podUids()).toEqual(uids);
  });

  it('answers the key reused for another request with a 422 in the V-Kube envelope', async () => {
    const key = newKey();
    await deploy(withKey(key, { json: body('nginx') }));
    const reused = await deploy(withKey(key, { json: body('redis') }));
    expect(reused.status).toBe(422);
    expect(reused.json).toEqual({
      error: { code: 422, message: 'this Idempotency-Key was used for another request (method, path or body differ)' },
    });
  });
});

describe('duplicates racing, and failures', () => {
  /** A shell with one route that acts (counted) only when the test lets it, and fails while `failing` says so. */
  function gatedApp() {
    const state = { acted: 0, failing: false, open: () => {} };
    const app = createAppShell({ renderError: renderOteError, ctx: berth.ctx, log: () => {} });
    // Public, so the router needs no token store; the caller's scope is still its Authorization header.
    const act = defineRoute({
      method: 'post',
      path: '/act',
      summary: 'Acts once let',
      tags: ['test'],
      access: 'public',
      responses: { 201: { description: 'Acted' } },
    });
    createRouter(app, { authenticate: () => Promise.reject(new Error('a public route authenticates nobody')) })(
      act,
      async (c) => {
        await new Promise<void>((resolve) => {
          state.open = resolve;
        });
        if (state.failing) throw new UnavailableError('the cluster did not answer');
        state.acted++;
        return c.json({ acted: state.acted }, 201);
      },
    );
    return { app, state };
  }
  const post = (app: { fetch: (request: Request) => Response | Promise<Response> }, key: string) =>
    call(app, '/act', withKey(key, { token: 'caller', json: { n: 1 } }));

  it('lets one of two concurrent duplicates act; the other gets a 409 and, retried later, the first answer', async () => {
    const { app, state } = gatedApp();
    const key = newKey();
    const first = post(app, key);
    await eventually(async () => ((await berth.rawItem(keysOf(key))) ? true : undefined));
    const duplicate = await post(app, key);
    expect(duplicate.status).toBe(409);
    expect(duplicate.json).toEqual({
      code: 409,
      message: 'a request with this Idempotency-Key is still being processed; retry it later',
    });
    state.open();
    expect((await first).json).toEqual({ acted: 1 });
    const retried = await post(app, key);
    expect(retried.headers.get(REPLAYED_HEADER)).toBe('true');
    expect(retried.json).toEqual({ acted: 1 });
    expect(state.acted).toBe(1);
  });

  it('lets a key go when the answer is a server error, so the retry acts', async () => {
    const { app, state } = gatedApp();
    const key = newKey();
    state.failing = true;
    const failed = post(app, key);
    await eventually(async () => ((await berth.rawItem(keysOf(key))) ? true : undefined));
    state.open();
    expect((await failed).status).toBe(503);
    expect(await berth.rawItem(keysOf(key))).toBeUndefined();
    state.failing = false;
    const retried = post(app, key);
    await eventually(async () => ((await berth.rawItem(keysOf(key))) ? true : undefined));
    state.open();
    expect((await retried).status).toBe(201);
    expect(state.acted).toBe(1);
  });

  const keysOf = (key: string) => keys.idempotencyKey(sha256Hex(`${sha256Hex('Bearer caller\n')}\n${key}`));
});
