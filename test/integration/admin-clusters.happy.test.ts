import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { loadKubeconfig } from '../../core/clusters/cluster-item.ts';
import { keys } from '../../core/store/keys.ts';
import { ADMIN_TOKEN, createHarness, eventually, type Harness } from '../support/harness.ts';
import { call } from '../support/http.ts';
import { kube } from '../support/kube.ts';
import { UNREACHABLE_SERVER, kubeconfigFor } from '../support/kubeconfigs.ts';
import { environmentClient } from '../support/zadig-environment.ts';
import { at, stringAt } from '../support/json.ts';

let berth: Harness;
const kubeconfig = inject('kubeconfig');

beforeAll(async () => {
  berth = await createHarness({ clusterTimeoutMs: 2000 });
  await berth.startWorkers();
});
afterAll(() => berth.close());

const register = (body: Record<string, unknown>) =>
  call(berth.apps.admin, '/admin/clusters', { token: ADMIN_TOKEN, json: body });

describe('clusters', () => {
  it('registers a real cluster, probes it from the stream worker and answers health with its version', async () => {
    const created = await register({ id: 'local', name: 'Local', labels: { region: 'cn-north' }, kubeconfig });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      id: 'local',
      name: 'Local',
      labels: { region: 'cn-north' },
      status: 'pending',
      version: 1,
    });
    expect(created.json).not.toHaveProperty('kubeconfig');

    const probed = await eventually(async () => {
      const cluster = await call(berth.apps.admin, '/admin/clusters/local', { token: ADMIN_TOKEN });
      return stringAt(cluster.json, 'status') === 'pending' ? undefined : cluster.json;
    });
    expect(probed).toMatchObject({
      status: 'ready',
      kube_version: expect.stringMatching(/^v1\./),
      checked_at: expect.any(String),
    });

    const health = await call(berth.apps.admin, '/admin/clusters/local/health', { token: ADMIN_TOKEN });
    expect(health.status).toBe(200);
    expect(health.json).toMatchObject({ id: 'local', status: 'ok', kube_version: at(probed, 'kube_version') });
  });

  it('stores the kubeconfig sealed with AES-256-GCM and never returns it', async () => {
    const secretToken = 'very-secret-token-0123456789';
    await register({
      id: 'sealed',
      name: 'Sealed',
      kubeconfig: kubeconfigFor({ server: UNREACHABLE_SERVER, token: secretToken }),
    });
    const item = await berth.rawItem(keys.cluster('sealed'));
    expect(item?.['kubeconfigSealed']).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(JSON.stringify(item)).not.toContain(secretToken);

    for (const path of ['/admin/clusters/sealed', '/admin/clusters']) {
      const response = await call(berth.apps.admin, path, { token: ADMIN_TOKEN });
      expect(response.status).toBe(200);
      expect(response.text).not.toContain(secretToken);
      expect(response.text).not.toContain('kubeconfig');
    }
  });

  it('keeps only the current context of a kubeconfig: other users’ credentials are never stored', async () => {
    const kubeconfigText = [
      'apiVersion: v1',
      'kind: Config',
      'current-context: mine',
      'preferences: {colors: true}',
      'contexts:',
      '- {name: mine, context: {cluster: c, user: me}}',
      '- {name: theirs, context: {cluster: c, user: them}}',
      'clusters:',
      `- {name: c, cluster: {server: '${UNREACHABLE_SERVER}', insecure-skip-tls-verify: true, extensions: [{name: x, extension: {a: 1}}]}}`,
      'users:',
      '- {name: me, user: {token: my-token-123456}}',
      '- {name: them, user: {token: OTHER-SECRET-9876}}',
    ].join('\n');
    expect((await register({ id: 'trimmed', name: 'Trimmed', kubeconfig: kubeconfigText })).status).toBe(201);
    const stored = (await loadKubeconfig(berth.ctx, 'trimmed')).kubeconfig;
    expect(stored).toContain('my-token-123456');
    expect(stored).not.toContain('OTHER-SECRET');
    expect(stored).not.toContain('extensions');
    expect(stored).not.toContain('preferences');
  });

  it('marks an unreachable cluster, and its health answers 503 within the timeout', async () => {
    await register({ id: 'gone', name: 'Gone', kubeconfig: kubeconfigFor({ server: UNREACHABLE_SERVER }) });
    const probed = await eventually(async () => {
      const cluster = await call(berth.apps.admin, '/admin/clusters/gone', { token: ADMIN_TOKEN });
      return stringAt(cluster.json, 'status') === 'pending' ? undefined : cluster.json;
    });
    expect(probed).toMatchObject({ status: 'unreachable', status_message: expect.stringContaining('unreachable') });

    const started = Date.now();
    const health = await call(berth.apps.admin, '/admin/clusters/gone/health', { token: ADMIN_TOKEN });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(health.status).toBe(503);
    expect(health.json).toMatchObject({
      code: 503,
      message: 'Service Unavailable',
      description: expect.stringContaining('unreachable'),
    });
  });

  it('answers a silent API server with 503 once the call timeout passes', async () => {
    const { createServer } = await import('node:net');
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    try {
      await register({
        id: 'silent',
        name: 'Silent',
        kubeconfig: kubeconfigFor({ server: `https://127.0.0.1:${port}` }),
      });
      const started = Date.now();
      const health = await call(berth.apps.admin, '/admin/clusters/silent/health', { token: ADMIN_TOKEN });
      expect(health.status).toBe(503);
      expect(stringAt(health.json, 'description')).toContain('did not answer within 2000 ms');
      expect(Date.now() - started).toBeLessThan(4000);
    } finally {
      silent.close();
    }
  });

  it('edits name and labels, replaces the kubeconfig, and deletes', async () => {
    await register({ id: 'edit-me', name: 'Before', kubeconfig: kubeconfigFor({ server: UNREACHABLE_SERVER }) });
    const edited = await call(berth.apps.admin, '/admin/clusters/edit-me', {
      method: 'PATCH',
      token: ADMIN_TOKEN,
      json: { name: 'After', labels: { region: 'cn-south' } },
    });
    expect(edited.status).toBe(200);
    expect(edited.json).toMatchObject({ name: 'After', labels: { region: 'cn-south' }, version: 2 });

    await eventually(async () =>
      stringAt((await call(berth.apps.admin, '/admin/clusters/edit-me', { token: ADMIN_TOKEN })).json, 'checked_at')
        ? true
        : undefined,
    );
    const repointed = await call(berth.apps.admin, '/admin/clusters/edit-me', {
      method: 'PATCH',
      token: ADMIN_TOKEN,
      json: { kubeconfig },
    });
    // What was seen of the old kubeconfig is forgotten until the probe looks at the new one.
    expect(repointed.json).toMatchObject({
      status: 'pending',
      version: 3,
      status_message: null,
      checked_at: null,
      kube_version: null,
    });
    await eventually(async () => {
      const health = await call(berth.apps.admin, '/admin/clusters/edit-me/health', { token: ADMIN_TOKEN });
      return health.status === 200 ? health : undefined;
    });

    expect(
      (await call(berth.apps.admin, '/admin/clusters/edit-me', { method: 'DELETE', token: ADMIN_TOKEN })).status,
    ).toBe(204);
    expect((await call(berth.apps.admin, '/admin/clusters/edit-me', { token: ADMIN_TOKEN })).status).toBe(404);
    expect((await call(berth.apps.admin, '/admin/clusters/edit-me/health', { token: ADMIN_TOKEN })).status).toBe(404);
  });
});

describe('a cluster environments use', () => {
  const suffix = randomBytes(3).toString('hex');
  const namespaces = { dev: `busy-dev-${suffix}`, prod: `busy-prod-${suffix}` };
  const { zadig, settled } = environmentClient(() => berth);
  afterAll(async () => {
    for (const name of Object.values(namespaces))
      await kube()
        .core.deleteNamespace({ name })
        .catch(() => undefined);
  });

  it('refuses to delete it (409) naming the environments, and deletes it once they are gone', async () => {
    await register({ id: 'busy', name: 'Busy', kubeconfig });
    await call(berth.apps.admin, '/admin/registries', {
      token: ADMIN_TOKEN,
      json: { id: 'hub', address: 'registry.example.com', namespace: 'busy' },
    });
    await call(berth.apps['zadig-service'], '/openapi/projects/project', {
      token: ADMIN_TOKEN,
      json: { project_key: 'busy', project_name: 'busy', project_type: 'yaml' },
    });
    const environment = { cluster_id: 'busy', registry_id: 'hub' };
    const dev = await zadig('/openapi/environments?projectKey=busy', {
      json: { ...environment, env_key: 'dev', namespace: namespaces.dev },
    });
    const prod = await zadig('/openapi/environments/production?projectKey=busy', {
      json: { ...environment, env_key: 'prod', namespace: namespaces.prod },
    });
    expect((await settled(stringAt(dev.json, 'operation_id'))).state).toBe('success');
    expect((await settled(stringAt(prod.json, 'operation_id'))).state).toBe('success');

    const refused = await call(berth.apps.admin, '/admin/clusters/busy', { method: 'DELETE', token: ADMIN_TOKEN });
    expect(refused.status).toBe(409);
    expect(refused.json).toEqual({
      code: 409,
      message: 'Conflict',
      description: 'cluster "busy" is used by environment(s) busy/prod (production), busy/dev; delete them first',
    });
    expect((await call(berth.apps.admin, '/admin/clusters/busy', { token: ADMIN_TOKEN })).status).toBe(200);

    const deleted = await Promise.all([
      zadig('/openapi/environments/dev?projectKey=busy&isDelete=true', { method: 'DELETE' }),
      zadig('/openapi/environments/production/prod?projectKey=busy&isDelete=true', { method: 'DELETE' }),
    ]);
    for (const response of deleted)
      expect((await settled(stringAt(response.json, 'operation_id'))).state).toBe('success');
    expect(
      (await call(berth.apps.admin, '/admin/clusters/busy', { method: 'DELETE', token: ADMIN_TOKEN })).status,
    ).toBe(204);
    expect((await call(berth.apps.admin, '/admin/clusters/busy', { token: ADMIN_TOKEN })).status).toBe(404);
  });
});

describe('cluster input that cannot be used', () => {
  it('refuses a kubeconfig whose user needs an exec plugin, saying why', async () => {
    const response = await register({
      id: 'eks',
      name: 'EKS',
      kubeconfig: kubeconfigFor({
        server: 'https://eks.example:443',
        user: {
          exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: 'aws', args: ['eks', 'get-token'] },
        },
      }),
    });
    expect(response.status).toBe(400);
    expect(stringAt(response.json, 'description')).toMatch(/exec plugin.*cannot run on Lambda/);
    expect((await call(berth.apps.admin, '/admin/clusters/eks', { token: ADMIN_TOKEN })).status).toBe(404);
  });

  it.each([
    [
      'a file instead of inline credentials',
      { 'client-certificate': '/home/me/cert.pem', 'client-key': '/home/me/key.pem' },
      'refers to a file',
    ],
    ['no credentials', {}, 'no inline credentials'],
  ])('refuses a kubeconfig with %s', async (_, user, message) => {
    const response = await register({
      id: 'bad-user',
      name: 'Bad',
      kubeconfig: kubeconfigFor({ server: UNREACHABLE_SERVER, user }),
    });
    expect(response.status).toBe(400);
    expect(stringAt(response.json, 'description')).toContain(message);
  });

  it.each([
    ['not YAML at all', ': : :\n\t- ['],
    ['YAML without a current context', 'apiVersion: v1\nkind: Config\n'],
  ])('refuses a kubeconfig that is %s', async (_, text) => {
    const response = await register({ id: 'bad-yaml', name: 'Bad', kubeconfig: text });
    expect(response.status).toBe(400);
    expect(stringAt(response.json, 'description')).toContain('kubeconfig');
  });

  it('refuses a second cluster with the same id', async () => {
    const body = { id: 'twice', name: 'Twice', kubeconfig: kubeconfigFor({ server: UNREACHABLE_SERVER }) };
    expect((await register(body)).status).toBe(201);
    const again = await register({ ...body, name: 'Other' });
    expect(again.status).toBe(409);
    expect(stringAt((await call(berth.apps.admin, '/admin/clusters/twice', { token: ADMIN_TOKEN })).json, 'name')).toBe(
      'Twice',
    );
  });

  it('refuses ids that are not RFC 1123 labels, naming the field', async () => {
    const response = await register({
      id: 'Not_Valid',
      name: 'x',
      kubeconfig: kubeconfigFor({ server: UNREACHABLE_SERVER }),
    });
    expect(response.status).toBe(400);
    expect(stringAt(response.json, 'description')).toMatch(/^id: /);
  });
});
