import { randomBytes } from 'node:crypto';
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { keys } from '../../core/store/keys.ts';
import { createHarness, type Harness } from '../support/harness.ts';
import { stringAt } from '../support/json.ts';
import { kube } from '../support/kube.ts';
import { environmentClient, seedEnvironmentWorld } from '../support/zadig-environment.ts';

// `sub_env` on "New Environment": the new environment becomes a sub-environment of a shared base.
let berth: Harness;
const suffix = randomBytes(3).toString('hex');
const namespaces = {
  dev: `subenv-dev-${suffix}`,
  plain: `subenv-plain-${suffix}`,
  prod: `subenv-prod-${suffix}`,
  feature: `subenv-feature-${suffix}`,
  list: `subenv-list-${suffix}`,
};
const { zadig, settled } = environmentClient(() => berth);

const customObjects = () => {
  const config = new KubeConfig();
  config.loadFromString(inject('kubeconfig'));
  return config.makeApiClient(CustomObjectsApi);
};
type HttpRoute = {
  match?: Array<{ headers: Record<string, { exact: string }> }>;
  route: [{ destination: { host: string } }];
};
/** A VirtualService's routes as `x-env value -> host` (`* -> host` for the route without a match), in order. */
const routesOf = async (namespace: string, name: string) => {
  const object = (await customObjects().getNamespacedCustomObject({
    group: 'networking.istio.io',
    version: 'v1beta1',
    plural: 'virtualservices',
    namespace,
    name,
  })) as { spec: { http: HttpRoute[] } };
  return object.spec.http.map(
    (route) => `${route.match?.[0]?.headers['x-env']?.exact ?? '*'} -> ${route.route[0].destination.host}`,
  );
};
const host = (service: string, namespace: string) => `${service}.${namespace}.svc.cluster.local`;

const create = (envKey: string, namespace: string, extra: Record<string, unknown> = {}, scope = '') =>
  zadig(`/openapi/environments${scope}?projectKey=subenv`, {
    json: { env_key: envKey, cluster_id: 'local', namespace, registry_id: 'harbor', ...extra },
  });
async function created(envKey: string, namespace: string, extra: Record<string, unknown> = {}, scope = '') {
  const answer = await create(envKey, namespace, extra, scope);
  expect(answer.status).toBe(200);
  expect((await settled(stringAt(answer.json, 'operation_id'), 120_000)).state).toBe('success');
}

beforeAll(async () => {
  berth = await createHarness();
  await berth.startWorkers();
  await seedEnvironmentWorld(berth, 'subenv');
  const services = [{ service_name: 'service1' }, { service_name: 'service2' }];
  await Promise.all([
    created('dev', namespaces.dev, { services }),
    created('plain', namespaces.plain),
    created('prod', namespaces.prod, {}, '/production'),
  ]);
  expect((await zadig('/openapi/environments/dev/share/enable?projectKey=subenv', { method: 'POST' })).status).toBe(
    200,
  );
}, 300_000);

afterAll(async () => {
  for (const name of Object.values(namespaces))
    await kube()
      .core.deleteNamespace({ name })
      .catch(() => undefined);
  await berth.close();
});

describe('New Environment with sub_env: refused bases', () => {
  const subEnv = (base_env: string) => ({ sub_env: { base_env, enable: true } });
  const nothingCreated = async (envKey: string, scope: 'test' | 'production') => {
    expect(await berth.rawItem(keys.environment('subenv', scope, envKey))).toBeUndefined();
    expect(await berth.rawItem(keys.namespaceClaim('local', namespaces.feature))).toBeUndefined();
  };

  it.each([
    ['an unknown base', 'ghost', 'no environment "ghost" in project "subenv"'],
    ['a base that is not shared', 'plain', 'environment "plain" is not shared: enable sharing first'],
  ])('answers 400 naming sub_env.base_env for %s, and creates nothing', async (_, base, reason) => {
    const answer = await create('feature', namespaces.feature, subEnv(base));
    expect(answer.status).toBe(400);
    expect(stringAt(answer.json, 'description')).toMatch(new RegExp(`^sub_env\\.base_env: ${reason}`));
    await nothingCreated('feature', 'test');
  });

  it.each([
    ['dev', 'no production environment "dev" in project "subenv"'],
    ['prod', 'production environment "prod" is not shared: Berth shares test environments only'],
  ])(
    'answers 400 naming sub_env.base_env for production base %s: production environments are never shared',
    async (base, reason) => {
      const answer = await create('feature', namespaces.feature, subEnv(base), '/production');
      expect(answer.status).toBe(400);
      expect(stringAt(answer.json, 'description')).toBe(`sub_env.base_env: ${reason}`);
      await nothingCreated('feature', 'production');
    },
  );

  it('answers 400 for a list naming two bases', async () => {
    const answer = await create('feature', namespaces.feature, {
      sub_env: [
        { base_env: 'dev', enable: true },
        { base_env: 'plain', enable: true },
      ],
    });
    expect(answer.status).toBe(400);
    expect(stringAt(answer.json, 'description')).toMatch(/^sub_env: /);
    await nothingCreated('feature', 'test');
  });
});

describe('New Environment with sub_env on a shared base', () => {
  it('labels the namespace into the mesh and routes x-env: <env> to the services it runs, the rest to the base', async () => {
    // The spec example's single-object form.
    await created('feature', namespaces.feature, {
      services: [{ service_name: 'service1' }],
      sub_env: { base_env: 'dev', enable: true },
    });

    const labels = (await kube().core.readNamespace({ name: namespaces.feature })).metadata?.labels ?? {};
    expect(labels).toMatchObject({ 'istio-injection': 'enabled', 'berth.dev/share-env': 'feature' });
    expect(await routesOf(namespaces.feature, 'berth-service1')).toEqual([
      `feature -> ${host('service1', namespaces.feature)}`,
      `* -> ${host('service1', namespaces.dev)}`,
    ]);
    // service2 runs in the base only: its name resolves in the sub-environment, and routes to the base.
    const copy = await kube().core.readNamespacedService({ name: 'service2', namespace: namespaces.feature });
    expect(copy.metadata?.labels?.['berth.dev/share-env']).toBe('feature');
    expect(await routesOf(namespaces.feature, 'berth-service2')).toEqual([`* -> ${host('service2', namespaces.dev)}`]);
  });

  it("puts the sub-environment's x-env route first in the base's VirtualServices, and keeps it when the base enables again", async () => {
    const expected = [`feature -> ${host('service1', namespaces.feature)}`, `* -> ${host('service1', namespaces.dev)}`];
    expect(await routesOf(namespaces.dev, 'berth-service1')).toEqual(expected);
    expect(await routesOf(namespaces.dev, 'berth-service2')).toEqual([`* -> ${host('service2', namespaces.dev)}`]);

    expect((await zadig('/openapi/environments/dev/share/enable?projectKey=subenv', { method: 'POST' })).status).toBe(
      200,
    );
    expect(await routesOf(namespaces.dev, 'berth-service1')).toEqual(expected);
  });

  it('takes the list form of the spec’s table, and enable: false makes a plain environment', async () => {
    await created('listed', namespaces.list, { sub_env: [{ base_env: 'dev', enable: true }] });
    expect(await routesOf(namespaces.list, 'berth-service1')).toEqual([`* -> ${host('service1', namespaces.dev)}`]);

    const plain = await create('unlisted', `subenv-unlisted-${suffix}`, {
      sub_env: { base_env: 'ghost', enable: false },
    });
    expect(plain.status).toBe(200);
    expect((await settled(stringAt(plain.json, 'operation_id'))).state).toBe('success');
    const labels = (await kube().core.readNamespace({ name: `subenv-unlisted-${suffix}` })).metadata?.labels ?? {};
    expect(labels['berth.dev/share-env']).toBeUndefined();
    await kube().core.deleteNamespace({ name: `subenv-unlisted-${suffix}` });
  });

  it('refuses to delete or unshare the base while it has sub-environments (409 naming them)', async () => {
    const deleted = await zadig('/openapi/environments/dev?projectKey=subenv&isDelete=true', { method: 'DELETE' });
    expect(deleted.status).toBe(409);
    expect(stringAt(deleted.json, 'description')).toBe(
      'environment "dev" is the base of "feature", "listed": delete those sub-environments first',
    );
    const unshared = await zadig('/openapi/environments/dev/share/enable?projectKey=subenv', { method: 'DELETE' });
    expect(unshared.status).toBe(409);
  });

  it("deleting the sub-environment takes its route out of the base's VirtualServices", async () => {
    for (const envKey of ['feature', 'listed']) {
      const deleted = await zadig(`/openapi/environments/${envKey}?projectKey=subenv&isDelete=true`, {
        method: 'DELETE',
      });
      expect(deleted.status).toBe(200);
      expect((await settled(stringAt(deleted.json, 'operation_id'), 120_000)).state).toBe('success');
    }
    expect(await routesOf(namespaces.dev, 'berth-service1')).toEqual([`* -> ${host('service1', namespaces.dev)}`]);
    const unshared = await zadig('/openapi/environments/dev/share/enable?projectKey=subenv', { method: 'DELETE' });
    expect(unshared.status).toBe(200);
  });
});
