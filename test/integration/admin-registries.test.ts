import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { InvalidInputError, NotFoundError, UnavailableError } from '../../core/errors.ts';
import { registryClient } from '../../core/registries/manage-registries.ts';
import { RegistryCredentialsRejectedError, createOciClient } from '../../core/registries/oci-client.ts';
import { pullSecretFor } from '../../core/registries/pull-secret.ts';
import { keys } from '../../core/store/keys.ts';
import { createAdminApp } from '../../functions/admin/app.ts';
import { freePort } from '../../functions/local/dynamodb-local.ts';
import { createAuthenticator } from '../../functions/runtime/core-context.ts';
import { ADMIN_TOKEN, createHarness, type Harness } from '../support/harness.ts';
import { call } from '../support/http.ts';
import { createNamespace, kube } from '../support/kube.ts';
import { deleteManifest, pushTinyImage } from '../support/oci-registry.ts';
import { arrayAt, stringAt, stringOrNullAt } from '../support/json.ts';

let berth: Harness;
const registry = inject('registry');
const registryHost = new URL(registry.url).host;
/** This file's own repositories in the shared registry. */
const namespace = `registries-${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  berth = await createHarness();
});
afterAll(() => berth.close());

const register = (body: Record<string, unknown>) =>
  call(berth.apps.admin, '/admin/registries', { token: ADMIN_TOKEN, json: body });
const get = (path: string) => call(berth.apps.admin, path, { token: ADMIN_TOKEN });
/** The test registry as Berth registers it: plain HTTP on loopback, so `insecure`. */
const theRegistry = (id: string, credentials: { username?: string; password?: string } = registry) => ({
  id,
  address: registry.url,
  namespace,
  insecure: true,
  ...(credentials.username === undefined ? {} : { username: credentials.username }),
  ...(credentials.password === undefined ? {} : { password: credentials.password }),
});

describe('registering registries', () => {
  it('registers a registry with credentials, seals the password and never returns it', async () => {
    const created = await register(theRegistry('local'));
    expect(created.status).toBe(201);
    expect(created.json).toEqual({
      id: 'local',
      address: registry.url,
      namespace,
      username: registry.username,
      has_credentials: true,
      insecure: true,
      created_at: expect.any(String),
      updated_at: stringAt(created.json, 'created_at'),
      version: 1,
    });

    const item = await berth.rawItem(keys.registry('local'));
    expect(item?.['passwordSealed']).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(JSON.stringify(item)).not.toContain(registry.password);

    for (const response of [created, await get('/admin/registries/local'), await get('/admin/registries')]) {
      expect(response.status).toBe(200 + (response === created ? 1 : 0));
      expect(response.text).not.toContain(registry.password);
      expect(response.text).not.toContain('password');
    }
    expect(berth.logs.map((line) => JSON.stringify(line)).join('\n')).not.toContain(registry.password);
  });

  it('registers a registry without credentials or id: the id is generated, HTTPS is the default', async () => {
    const created = await register({ address: 'harbor.example.com:8443', namespace: 'shop/team-a' });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      id: expect.stringMatching(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/),
      address: 'harbor.example.com:8443',
      namespace: 'shop/team-a',
      username: null,
      has_credentials: false,
      insecure: false,
    });
    expect((await get(`/admin/registries/${stringAt(created.json, 'id')}`)).json).toEqual(created.json);
  });

  it('lists registries a page at a time', async () => {
    for (const id of ['page-a', 'page-b', 'page-c'])
      expect((await register({ id, address: `https://${id}.example.com/`, namespace: 'ns' })).status).toBe(201);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await get(`/admin/registries?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(arrayAt(page.json, 'items').length).toBeLessThanOrEqual(2);
      seen.push(...arrayAt(page.json, 'items').map((item) => stringAt(item, 'id')));
      cursor = stringOrNullAt(page.json, 'next_cursor');
    } while (cursor);
    expect(seen).toEqual(expect.arrayContaining(['page-a', 'page-b', 'page-c']));
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('refuses a second registry with the same id, keeping the first', async () => {
    expect((await register({ id: 'twice', address: 'one.example.com', namespace: 'ns' })).status).toBe(201);
    const again = await register({ id: 'twice', address: 'two.example.com', namespace: 'ns' });
    expect(again.status).toBe(409);
    expect(again.json).toEqual({ code: 409, message: 'Conflict', description: 'registry "twice" already exists' });
    expect(stringAt((await get('/admin/registries/twice')).json, 'address')).toBe('one.example.com');
  });

  it('deletes a registry; an unknown one is a 404 for every route', async () => {
    await register({ id: 'short-lived', address: 'gone.example.com', namespace: 'ns' });
    expect(
      (await call(berth.apps.admin, '/admin/registries/short-lived', { method: 'DELETE', token: ADMIN_TOKEN })).status,
    ).toBe(204);
    for (const [method, path] of [
      ['GET', '/admin/registries/short-lived'],
      ['DELETE', '/admin/registries/short-lived'],
      ['GET', '/admin/registries/short-lived/health'],
    ] as const) {
      const response = await call(berth.apps.admin, path, { method, token: ADMIN_TOKEN });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.json).toEqual({
        code: 404,
        message: 'Not Found',
        description: 'registry "short-lived" not found',
      });
    }
  });

  it('refuses to delete ote-stack’s image repository (BERTH_OTE_REGISTRY), which stays registered', async () => {
    expect((await register(theRegistry('ote'))).status).toBe(201);
    const refused = await call(berth.apps.admin, '/admin/registries/ote', { method: 'DELETE', token: ADMIN_TOKEN });
    expect(refused.status).toBe(409);
    expect(stringAt(refused.json, 'description')).toBe(
      'registry "ote" is ote-stack\'s image repository (BERTH_OTE_REGISTRY); point ote-stack at another registry first',
    );
    expect((await get('/admin/registries/ote')).status).toBe(200);
  });

  it('is for admins only', async () => {
    const minted = await call(berth.apps.admin, '/admin/tokens', {
      token: ADMIN_TOKEN,
      json: { name: 'dev', role: 'user' },
    });
    expect(minted.status).toBe(201);
    expect((await call(berth.apps.admin, '/admin/registries')).status).toBe(401);
    expect((await call(berth.apps.admin, '/admin/registries', { token: stringAt(minted.json, 'token') })).status).toBe(
      403,
    );
    const denied = await call(berth.apps.admin, '/admin/registries', {
      token: stringAt(minted.json, 'token'),
      json: { id: 'sneaky', address: 'x.example.com', namespace: 'ns' },
    });
    expect(denied.status).toBe(403);
    expect((await get('/admin/registries/sneaky')).status).toBe(404);
  });
});

describe('registry input that cannot be used', () => {
  it.each([
    ['a user name without a password', { username: 'robot' }, 'password: is required when username is given'],
    ['a password without a user name', { password: 'secret-123' }, 'username: is required when password is given'],
    [
      'a user name with ":"',
      { username: 'ro:bot', password: 'x' },
      'username: must not contain ":" or control characters',
    ],
    ['an empty password', { username: 'robot', password: '' }, 'password: must not be empty'],
    [
      'a plain http address that is not marked insecure',
      { address: 'http://127.0.0.1:5000' },
      'insecure: must be true for a plain http:// address',
    ],
    [
      'an address with a path',
      { address: 'https://harbor.example.com/v2/' },
      'address: must be an http(s) URL without a path, or host[:port]',
    ],
    [
      'an address of another scheme',
      { address: 'ftp://harbor.example.com' },
      'address: must be an http(s) URL without a path, or host[:port]',
    ],
    [
      'an address with credentials in it',
      { address: 'https://user:pw@harbor.example.com' },
      'address: must be an http(s) URL without a path, or host[:port]',
    ],
    ['an empty namespace', { namespace: '  ' }, 'namespace: must not be empty'],
    [
      'a namespace in capitals',
      { namespace: 'Shop' },
      'namespace: must be lowercase repository path components (a-z, 0-9, ".", "_", "-", separated by "/")',
    ],
    [
      'an id that is not an RFC 1123 label',
      { id: 'My_Registry' },
      'id: must be a lowercase RFC 1123 label (a-z, 0-9, "-", at most 63 characters)',
    ],
    ['insecure as a string', { insecure: 'yes' }, 'insecure: Invalid type: Expected boolean but received "yes"'],
    ['an unknown field', { email: 'me@example.com' }, 'unknown field email'],
  ])('refuses %s, naming the field', async (_, change, description) => {
    const response = await register({ id: 'bad', address: 'harbor.example.com', namespace: 'shop', ...change });
    expect(response.status).toBe(400);
    expect(response.json).toEqual({ code: 400, message: 'Bad Request', description });
    expect((await get('/admin/registries/bad')).status).toBe(404);
  });

  it.each([['address'], ['namespace']])('says %s is required', async (field) => {
    const body: Record<string, unknown> = { address: 'harbor.example.com', namespace: 'shop' };
    delete body[field];
    const response = await register(body);
    expect(response.status).toBe(400);
    expect(stringAt(response.json, 'description')).toBe(`${field} is required`);
  });
});

describe('registry health, against a real registry', () => {
  it('answers ok when the registry accepts the credentials', async () => {
    await register(theRegistry('healthy'));
    const health = await get('/admin/registries/healthy/health');
    expect(health.status).toBe(200);
    expect(health.json).toEqual({ id: 'healthy', status: 'ok', latency_ms: expect.any(Number) });
  });

  it('answers 503 saying the credentials were rejected when the password is wrong', async () => {
    await register(theRegistry('wrong-password', { username: registry.username, password: 'not-the-password' }));
    const health = await get('/admin/registries/wrong-password/health');
    expect(health.status).toBe(503);
    expect(health.json).toEqual({
      code: 503,
      message: expect.any(String),
      description: `registry "wrong-password" rejected the registered credentials of user "${registry.username}" (GET /v2/ answered 401)`,
    });
    expect(health.text).not.toContain('not-the-password');
  });

  it('answers 503 saying credentials are needed when none are registered', async () => {
    await register(theRegistry('anonymous', {}));
    const health = await get('/admin/registries/anonymous/health');
    expect(health.status).toBe(503);
    expect(stringAt(health.json, 'description')).toBe(
      'registry "anonymous" requires credentials and none are registered (GET /v2/ answered 401)',
    );
  });

  it('answers 503 at once for a registry nobody listens for', async () => {
    const port = await freePort();
    await register({ id: 'nobody', address: `http://127.0.0.1:${port}`, namespace: 'ns', insecure: true });
    const started = Date.now();
    const health = await get('/admin/registries/nobody/health');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(health.status).toBe(503);
    expect(stringAt(health.json, 'description')).toBe(
      `registry "nobody" (http://127.0.0.1:${port}) is unreachable (ECONNREFUSED)`,
    );
  });

  it('answers 503 once the timeout passes for a registry that never answers', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const admin = createAdminApp({
      ctx: berth.ctx,
      connections: berth.connections,
      authenticate: createAuthenticator(berth.ctx, berth.config),
      log: () => {},
      registryTimeoutMs: 1000,
      outbound: { allowLoopback: true },
    });
    try {
      await register({ id: 'silent', address: `127.0.0.1:${port}`, namespace: 'ns', insecure: true });
      const started = Date.now();
      const health = await call(admin, '/admin/registries/silent/health', { token: ADMIN_TOKEN });
      expect(health.status).toBe(503);
      expect(stringAt(health.json, 'description')).toBe(
        `registry "silent" (http://127.0.0.1:${port}) did not answer within 1000 ms`,
      );
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });
});

describe('listing tags with the OCI client', () => {
  it('sees pushed tags, 404s an unknown repository, and lists nothing once the last tag is deleted', async () => {
    await register(theRegistry('tags'));
    const client = await registryClient({ ctx: berth.ctx, id: 'tags', timeoutMs: 5000 });

    const v1 = await pushTinyImage(registry, `${namespace}/api`, 'v1');
    await pushTinyImage(registry, `${namespace}/api`, '1.0.1');
    expect((await client.listTags('api')).sort()).toEqual(['1.0.1', 'v1']);

    await expect(client.listTags('missing')).rejects.toThrow(new NotFoundError('repository', `${namespace}/missing`));
    await expect(client.listTags('../../etc')).rejects.toBeInstanceOf(InvalidInputError);

    // Both tags point at the same manifest: deleting it removes both.
    await deleteManifest(registry, `${namespace}/api`, v1);
    expect(await client.listTags('api')).toEqual([]);
  });

  it('refuses to list with a wrong password', async () => {
    await register(theRegistry('tags-wrong', { username: registry.username, password: 'nope' }));
    const client = await registryClient({ ctx: berth.ctx, id: 'tags-wrong', timeoutMs: 5000 });
    await expect(client.listTags('api')).rejects.toBeInstanceOf(RegistryCredentialsRejectedError);
  });
});

describe('token-authenticated registries (Harbor, Docker Hub, GHCR)', () => {
  /**
   * A registry speaking the distribution token flow: `/v2/` answers 401 with
   * a Bearer challenge, `/token` trades basic credentials for a token scoped
   * to what the client asked for.
   */
  async function startTokenRegistry() {
    const issued = new Map<string, string>();
    const server = createServer((request: IncomingMessage, response: ServerResponse) => {
      const url = new URL(request.url ?? '/', `http://${request.headers.host}`);
      const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        response.writeHead(status, { 'content-type': 'application/json', ...headers });
        response.end(JSON.stringify(body));
      };
      if (url.pathname === '/token') {
        if (request.headers.authorization !== `Basic ${Buffer.from('robot:s3cret').toString('base64')}`)
          return send(401, { errors: [{ code: 'UNAUTHORIZED' }] });
        const token = randomBytes(8).toString('hex');
        issued.set(token, url.searchParams.get('scope') ?? '');
        return send(200, { token, expires_in: 300 });
      }
      const scope =
        url.pathname === '/v2/' ? '' : `repository:${url.pathname.replace(/^\/v2\/(.*)\/tags\/list$/, '$1')}:pull`;
      const token = request.headers.authorization?.replace(/^Bearer /, '');
      if (!token || issued.get(token) !== scope) {
        const challenge = `Bearer realm="http://${request.headers.host}/token",service="test-registry"${scope ? `,scope="${scope}"` : ''}`;
        return send(401, { errors: [{ code: 'UNAUTHORIZED' }] }, { 'www-authenticate': challenge });
      }
      if (url.pathname === '/v2/') return send(200, {});
      if (url.pathname === '/v2/shop/web/tags/list') return send(200, { name: 'shop/web', tags: ['1.0', '1.1'] });
      return send(404, { errors: [{ code: 'NAME_UNKNOWN' }] });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return { host: `127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  }

  it('trades the credentials for scoped tokens, and reports a rejected login', async () => {
    const tokenRegistry = await startTokenRegistry();
    const access = (password: string) => ({
      id: 'harbor',
      endpoint: { baseUrl: `http://${tokenRegistry.host}`, host: tokenRegistry.host },
      namespace: 'shop',
      credentials: { username: 'robot', password },
    });
    try {
      const client = createOciClient({ access: access('s3cret'), timeoutMs: 5000 });
      await client.ping();
      expect(await client.listTags('web')).toEqual(['1.0', '1.1']);
      await expect(client.listTags('db')).rejects.toBeInstanceOf(NotFoundError);

      const rejected = createOciClient({ access: access('wrong'), timeoutMs: 5000 });
      await expect(rejected.ping()).rejects.toThrow(
        'registry "harbor" rejected the registered credentials of user "robot" (token service answered 401)',
      );
      await expect(rejected.ping()).rejects.toBeInstanceOf(UnavailableError);
    } finally {
      await tokenRegistry.close();
    }
  });
});

describe('image pull secrets', () => {
  it('builds a dockerconfigjson Secret for a registry with credentials, which the cluster accepts', async () => {
    await register(theRegistry('pull'));
    const secret = await pullSecretFor({ ctx: berth.ctx, registryId: 'pull', name: 'berth-registry-pull' });
    expect(secret).toMatchObject({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'berth-registry-pull' },
      type: 'kubernetes.io/dockerconfigjson',
    });
    const dockerConfig = JSON.parse(
      Buffer.from((secret!['data'] as Record<string, string>)['.dockerconfigjson']!, 'base64').toString(),
    );
    expect(dockerConfig).toEqual({
      auths: {
        [registryHost]: {
          username: registry.username,
          password: registry.password,
          auth: Buffer.from(`${registry.username}:${registry.password}`).toString('base64'),
        },
      },
    });

    // Applied as the environment worker applies it, twice (a re-run converges), and read back straight from the API server.
    expect(
      (
        await call(berth.apps.admin, '/admin/clusters', {
          token: ADMIN_TOKEN,
          json: { id: 'local', name: 'Local', kubeconfig: inject('kubeconfig') },
        })
      ).status,
    ).toBe(201);
    const ns = await createNamespace('registries');
    try {
      const cluster = await berth.connections.get('local');
      for (let run = 0; run < 2; run++)
        expect(await cluster.apply([secret!], { namespace: ns.name })).toEqual([
          expect.objectContaining({ outcome: 'applied' }),
        ]);
      const stored = await kube().core.readNamespacedSecret({ name: 'berth-registry-pull', namespace: ns.name });
      expect(stored.type).toBe('kubernetes.io/dockerconfigjson');
      expect(JSON.parse(Buffer.from(stored.data!['.dockerconfigjson']!, 'base64').toString())).toEqual(dockerConfig);
    } finally {
      await ns.remove();
    }
  });

  it('is undefined for a registry without credentials, and NotFound for an unknown registry', async () => {
    await register({ id: 'public', address: 'registry.example.com', namespace: 'library' });
    expect(
      await pullSecretFor({ ctx: berth.ctx, registryId: 'public', name: 'berth-registry-public' }),
    ).toBeUndefined();
    await expect(pullSecretFor({ ctx: berth.ctx, registryId: 'no-such-registry', name: 'x' })).rejects.toThrow(
      new NotFoundError('registry', 'no-such-registry'),
    );
  });

  it('keys the secret by host[:port], without scheme or default port', async () => {
    await register({
      id: 'harbor-default-port',
      address: 'https://Harbor.Example.com:443/',
      namespace: 'shop',
      username: 'robot',
      password: 'pw',
    });
    const secret = await pullSecretFor({ ctx: berth.ctx, registryId: 'harbor-default-port', name: 'pull' });
    const dockerConfig = JSON.parse(
      Buffer.from((secret!['data'] as Record<string, string>)['.dockerconfigjson']!, 'base64').toString(),
    );
    expect(Object.keys(dockerConfig.auths)).toEqual(['harbor.example.com']);
  });
});
