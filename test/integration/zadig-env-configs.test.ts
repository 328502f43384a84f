import { randomBytes } from 'node:crypto';
import { KubeConfig, NetworkingV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import { recordAppliedEnvConfigs, removeAllEnvConfigs } from '../../core/environments/env-configs.ts';
import { keys } from '../../core/store/keys.ts';
import { createHarness, eventually, type Harness } from '../support/harness.ts';
import { call } from '../support/http.ts';
import { kube } from '../support/kube.ts';
import { environmentClient, seedEnvironmentWorld } from '../support/zadig-environment.ts';
import { arrayAt, at, numberAt, objectAt, stringAt } from '../support/json.ts';

/** `yaml_data` of the spec's test-environment "Add" example (a ConfigMap copied from `kubectl get -o yaml`). */
const istioRootCertYaml =
  'apiVersion: v1\ndata:\n  root-cert.pem: |\n    -----BEGIN CERTIFICATE-----\n    MIIC/TCCAeWgAwIBAgIRAISZur/+Sm1i2dv4w5qWhy0wDQYJKoZIhvcNAQELBQAw\n    GDEWMBQGA1UEChMNY2x1c3Rlci5sb2NhbDAeFw0yMjA4MTUwMjM5MTdaFw0zMjA4\n    MTIwMjM5MTdaMBgxFjAUBgNVBAoTDWNsdXN0ZXIubG9jYWwwggEiMA0GCSqGSIb3\n    DQEBAQUAA4IBDwAwggEKAoIBAQDQWPcRpknooTvvR8rg9XOXtOV2XyW2mDCBhQ0E\n    THTQI17l5UK+AkhifJwUeGcc6KsZvBff7ksf5eQ6e1XBkwhEFTn0QBNTQwzVH/gz\n    dVLB/SYgDKZyUBq3N2E0V1tYsrXE/Mc5qRcnBwscAdOcH5gpW3ZxfRUr7t40DY0H\n    Im8RIajIB7UyT9lo+unaPozF5AuIN4ylv6XGcO1voXimCXNg5r2T/ATTA/vqJcS2\n    ZlaT/85+cZCycu8ZwZaVNgxlyjE1CgUBEdMxy0svMXpJvDondEZEPfZVuB1X2FUL\n    fczThsA7XmBvBYKXoKD7cAGlJS1I2nkfxXk+dkN+tolDQA6NAgMBAAGjQjBAMA4G\n    A1UdDwEB/wQEAwICBDAPBgNVHRMBAf8EBTADAQH/MB0GA1UdDgQWBBS1JbJ810a/\n    +KEqd78PtqTKRu+iqDANBgkqhkiG9w0BAQsFAAOCAQEAy833M/pdnLkKmZK9NaTp\n    Ten5TQdxhRlPuG3dBfU45VXQ0IhgO7Er0caPagMaVPkqdfuUcd5sT5lfEiJUtt3B\n    bOhyPK09GkD7muhO7Bx1o+qAPXkCjf0JRcAgQcpZ5va72V6bB8CJ5+6YoQV4eQGa\n    mF80vbzPx3zR6At+3JAZaMhbXItBWJi5ULIGMaJ3JRUvqBMG1jsZdeqOa/fTjVc1\n    6gdX/O9eZjfRdnUiBv4kCD00nr74crXfvAmQGDX/EbNqYGLNHqAdqRgibUYowvEC\n    9gaZfvKU4lOaWYnwE4RlJ1Q6uhVgH45fFiq8pAeflSh56TLbjRfi/VM2lg3GN+cm\n    6g==\n    -----END CERTIFICATE-----\nkind: ConfigMap\nmetadata:\n  creationTimestamp: "2023-07-06T08:01:16Z"\n  labels:\n    istio.io/config: "true"\n  name: istio-ca-root-cert-test\n  namespace: ai-test-2-env-dev\n  selfLink: /api/v1/namespaces/ai-test-2-env-dev/configmaps/istio-ca-root-cert\n  uid: 767723b1-8bb2-4c51-92fd-d224bf0c0dc5\n';

/** `yaml_data` of the spec's production "Add" example and of its "Update" example. */
const gameDemoYaml =
  'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: game-demo\ndata:\n  player_initial_lives: "3"\n  ui_properties_file_name: "user-interface.properties"\n\n  game.properties: |\n    enemy.types=aliens,monsters\n    player.maximum-lives=25    \n  user-interface.properties: |\n    color.good=purple\n    color.bad=yellow\n    allow.textmode=true    ';

let berth: Harness;
const project = 'cfgshop';
const suffix = randomBytes(3).toString('hex');
const namespaces = { dev: `cfg-dev-${suffix}`, prod: `cfg-prod-${suffix}` };
const { zadig, settled } = environmentClient(() => berth);
const networking = () => {
  const config = new KubeConfig();
  config.loadFromString(inject('kubeconfig'));
  return config.makeApiClient(NetworkingV1Api);
};
const configMap = (name: string, namespace = namespaces.dev) =>
  kube().core.readNamespacedConfigMap({ name, namespace });
/** The status code the cluster answers for an object: 200 when it exists, 404 when it does not. */
const statusOf = (read: Promise<unknown>) =>
  read.then(
    () => 200,
    (error: { code?: number }) => error.code,
  );

/** A Secret value that must never reach a log line, in clear or base64. */
const secretValue = `s3cr3t-${randomBytes(8).toString('hex')}`;
const secretYaml = (value: string) =>
  `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db-credentials\ntype: Opaque\nstringData:\n  password: ${value}\n`;

const ingressYaml = (host: string) =>
  [
    'apiVersion: networking.k8s.io/v1',
    'kind: Ingress',
    'metadata:',
    '  name: shop-web',
    'spec:',
    '  rules:',
    `  - host: ${host}`,
    '    http:',
    '      paths:',
    '      - path: /',
    '        pathType: Prefix',
    '        backend: {service: {name: service1, port: {number: 80}}}',
    '',
  ].join('\n');

const pvcYaml = (labels = '') =>
  `apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: shop-data\n${labels}spec:\n  accessModes: [ReadWriteOnce]\n  resources:\n    requests:\n      storage: 1Gi\n`;

/** The names the environment "dev" lists for a type of configuration. */
const listedNames = async (type: string) =>
  arrayAt((await zadig(`/openapi/environments/dev/envcfgs?projectKey=${project}&type=${type}`)).json).map((entry) =>
    stringAt(entry, 'name'),
  );

async function createEnvironment(scope: 'test' | 'production', envKey: string, namespace: string) {
  const base = scope === 'production' ? '/openapi/environments/production' : '/openapi/environments';
  const created = await zadig(`${base}?projectKey=${project}`, {
    json: { env_key: envKey, cluster_id: 'local', namespace, registry_id: 'harbor' },
  });
  expect(created.status).toBe(200);
  expect(await settled(stringAt(created.json, 'operation_id'))).toMatchObject({ state: 'success' });
}

beforeAll(async () => {
  berth = await createHarness();
  await berth.startWorkers();
  await seedEnvironmentWorld(berth, project);
  await Promise.all([
    createEnvironment('test', 'dev', namespaces.dev),
    createEnvironment('production', 'prod', namespaces.prod),
  ]);
});
afterAll(async () => {
  for (const name of Object.values(namespaces))
    await kube()
      .core.deleteNamespace({ name })
      .catch(() => undefined);
  await berth.close();
});

describe('Add Environment Configuration', () => {
  it('test environment, the spec example as printed: the object’s own name wins, applied in the environment’s namespace, server fields dropped', async () => {
    const response = await zadig(`/openapi/environments/dev/envcfgs?projectKey=${project}`, {
      json: { name: 'game-demo', common_env_cfg_type: 'ConfigMap', yaml_data: istioRootCertYaml },
    });
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ message: 'success' });
    expect(await statusOf(configMap('game-demo'))).toBe(404);

    // The YAML names namespace ai-test-2-env-dev and a uid from another cluster: the environment's namespace wins, the uid is the API server's.
    const applied = await configMap('istio-ca-root-cert-test');
    expect(applied.metadata?.namespace).toBe(namespaces.dev);
    expect(applied.metadata?.uid).not.toBe('767723b1-8bb2-4c51-92fd-d224bf0c0dc5');
    expect(applied.metadata?.labels).toEqual({ 'istio.io/config': 'true' });
    expect(applied.data).toEqual(parse(istioRootCertYaml).data);
    expect(await statusOf(kube().core.readNamespace({ name: 'ai-test-2-env-dev' }))).toBe(404);
  });

  it('production environment, the spec example', async () => {
    const response = await zadig(`/openapi/environments/production/prod/envcfgs?projectKey=${project}`, {
      json: { name: 'game-demo', common_env_cfg_type: 'ConfigMap', yaml_data: gameDemoYaml },
    });
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ message: 'success' });
    const applied = await configMap('game-demo', namespaces.prod);
    expect(applied.data).toEqual(parse(gameDemoYaml).data);
    expect(applied.data?.['player_initial_lives']).toBe('3');
    // Production and test environments are apart: the test environment has no game-demo.
    expect(await statusOf(configMap('game-demo'))).toBe(404);
  });

  it('takes its name from the object when name is left out', async () => {
    const yaml =
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: game-demo\ndata:\n  player_initial_lives: "5"\n  stale_key: "gone after the update"\n';
    const response = await zadig(`/openapi/environments/dev/envcfgs?projectKey=${project}`, {
      json: { common_env_cfg_type: 'ConfigMap', yaml_data: yaml },
    });
    expect(response.json).toEqual({ message: 'success' });
    expect((await configMap('game-demo')).data).toEqual({
      player_initial_lives: '5',
      stale_key: 'gone after the update',
    });
  });

  it('adds a Secret, an Ingress and a PVC', async () => {
    for (const [type, yaml] of [
      ['Secret', secretYaml(secretValue)],
      ['Ingress', ingressYaml('shop.example.com')],
      ['PVC', pvcYaml()],
    ] as const) {
      const response = await zadig(`/openapi/environments/dev/envcfgs?projectKey=${project}`, {
        json: { common_env_cfg_type: type, yaml_data: yaml },
      });
      expect(response.json, type).toEqual({ message: 'success' });
    }
    const secret = await kube().core.readNamespacedSecret({ name: 'db-credentials', namespace: namespaces.dev });
    expect(Buffer.from(secret.data!['password']!, 'base64').toString()).toBe(secretValue);
    const ingress = await networking().readNamespacedIngress({ name: 'shop-web', namespace: namespaces.dev });
    expect(ingress.spec?.rules?.[0]?.host).toBe('shop.example.com');
    const pvc = await kube().core.readNamespacedPersistentVolumeClaim({ name: 'shop-data', namespace: namespaces.dev });
    expect(pvc.spec?.resources?.requests?.['storage']).toBe('1Gi');
  });

  it('stores no configuration content in the table: a Secret’s value stays in the cluster', async () => {
    const item = await berth.rawItem(keys.envConfig(project, 'test', 'dev', 'Secret', 'db-credentials'));
    expect(item).toMatchObject({ entity: 'env-config', name: 'db-credentials', type: 'Secret', createdBy: 'admin' });
    expect(JSON.stringify(item)).not.toContain(secretValue);
    expect(JSON.stringify(item)).not.toContain(Buffer.from(secretValue).toString('base64'));
  });
});

describe('View Environment Configuration List', () => {
  it('test environment: Berth’s configurations of the type asked for, in the documented shape', async () => {
    const response = await zadig(`/openapi/environments/dev/envcfgs?projectKey=${project}&type=ConfigMap`);
    expect(response.status).toBe(200);
    // The namespace's own kube-root-ca.crt is not Berth's, so it is not listed.
    expect(response.json).toEqual([
      {
        name: 'game-demo',
        env_name: 'dev',
        project_name: project,
        common_env_cfg_type: 'ConfigMap',
        update_time: expect.any(Number),
        in_cluster: true,
      },
      {
        name: 'istio-ca-root-cert-test',
        env_name: 'dev',
        project_name: project,
        common_env_cfg_type: 'ConfigMap',
        update_time: expect.any(Number),
        in_cluster: true,
      },
    ]);
    expect(Math.abs(numberAt(response.json, 0, 'update_time') - Date.now() / 1000)).toBeLessThan(120);
    for (const [type, name] of [
      ['Secret', 'db-credentials'],
      ['Ingress', 'shop-web'],
      ['PVC', 'shop-data'],
    ] as const) {
      expect(await listedNames(type), type).toEqual([name]);
    }
  });

  it('production environment', async () => {
    expect(
      (await zadig(`/openapi/environments/production/prod/envcfgs?projectKey=${project}&type=ConfigMap`)).json,
    ).toEqual([
      {
        name: 'game-demo',
        env_name: 'prod',
        project_name: project,
        common_env_cfg_type: 'ConfigMap',
        update_time: expect.any(Number),
        in_cluster: true,
      },
    ]);
    expect(
      (await zadig(`/openapi/environments/production/prod/envcfgs?projectKey=${project}&type=Secret`)).json,
    ).toEqual([]);
  });
});

describe('View Environment Configuration Details', () => {
  it('test environment: configMap_detail, its YAML read back from the cluster without server-managed fields', async () => {
    const response = await zadig(
      `/openapi/environments/dev/envcfg/istio-ca-root-cert-test?projectKey=${project}&type=ConfigMap`,
    );
    expect(response.status).toBe(200);
    expect(response.json).toEqual({
      configMap_detail: {
        name: 'istio-ca-root-cert-test',
        common_env_cfg_type: 'ConfigMap',
        created_time: expect.any(Number),
        env_key: 'dev',
        product_key: project,
        yaml_data: expect.any(String),
      },
    });
    const object = parse(stringAt(response.json, 'configMap_detail', 'yaml_data'));
    expect(object).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'istio-ca-root-cert-test', namespace: namespaces.dev, labels: { 'istio.io/config': 'true' } },
      data: parse(istioRootCertYaml).data,
    });
  });

  it('production environment: the spec example’s content', async () => {
    const response = await zadig(
      `/openapi/environments/production/prod/envcfg/game-demo?projectKey=${project}&type=ConfigMap`,
    );
    expect(at(response.json, 'configMap_detail')).toMatchObject({
      name: 'game-demo',
      common_env_cfg_type: 'ConfigMap',
      env_key: 'prod',
      product_key: project,
    });
    expect(parse(stringAt(response.json, 'configMap_detail', 'yaml_data')).data).toEqual(parse(gameDemoYaml).data);
  });

  it('answers under secret_detail, ingress_detail and pvc_detail; a Secret’s data as the cluster holds it, so it can be edited and sent back', async () => {
    const secret = await zadig(`/openapi/environments/dev/envcfg/db-credentials?projectKey=${project}&type=Secret`);
    expect(secret.headers.get('cache-control')).toBe('no-store');
    expect(Object.keys(objectAt(secret.json))).toEqual(['secret_detail']);
    const secretObject = parse(stringAt(secret.json, 'secret_detail', 'yaml_data'));
    expect(secretObject).toMatchObject({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      data: { password: Buffer.from(secretValue).toString('base64') },
    });
    expect(secretObject.stringData).toBeUndefined();

    const ingress = await zadig(`/openapi/environments/dev/envcfg/shop-web?projectKey=${project}&type=Ingress`);
    expect(parse(stringAt(ingress.json, 'ingress_detail', 'yaml_data'))).toMatchObject({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      spec: { rules: [{ host: 'shop.example.com' }] },
    });

    const pvc = await zadig(`/openapi/environments/dev/envcfg/shop-data?projectKey=${project}&type=PVC`);
    const pvcObject = parse(stringAt(pvc.json, 'pvc_detail', 'yaml_data'));
    expect(pvcObject).toMatchObject({
      kind: 'PersistentVolumeClaim',
      spec: { resources: { requests: { storage: '1Gi' } } },
    });
    for (const object of [secretObject, pvcObject]) {
      expect(Object.keys(object.metadata).sort()).not.toContain('managedFields');
      for (const field of ['uid', 'resourceVersion', 'creationTimestamp'])
        expect(object.metadata[field]).toBeUndefined();
      expect(object.status).toBeUndefined();
    }
  });
});

describe('Update Environment Configuration', () => {
  it('the spec example: the object in the cluster becomes the new YAML (fields the old one set and this one lacks are gone)', async () => {
    const before = objectAt(
      (await zadig(`/openapi/environments/dev/envcfg/game-demo?projectKey=${project}&type=ConfigMap`)).json,
      'configMap_detail',
    );
    const response = await zadig(`/openapi/environments/envcfgs?projectKey=${project}`, {
      method: 'PUT',
      json: { name: 'game-demo', env_key: 'dev', common_env_cfg_type: 'ConfigMap', yaml_data: gameDemoYaml },
    });
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ message: 'success' });
    expect((await configMap('game-demo')).data).toEqual(parse(gameDemoYaml).data);
    const after = objectAt(
      (await zadig(`/openapi/environments/dev/envcfg/game-demo?projectKey=${project}&type=ConfigMap`)).json,
      'configMap_detail',
    );
    expect(after.created_time).toBe(before.created_time);
    expect(parse(stringAt(after, 'yaml_data')).data).toEqual(parse(gameDemoYaml).data);
  });

  it('production environment: PUT /openapi/environments/production/envcfgs', async () => {
    const yaml = gameDemoYaml.replace('player_initial_lives: "3"', 'player_initial_lives: "9"');
    const response = await zadig(`/openapi/environments/production/envcfgs?projectKey=${project}`, {
      method: 'PUT',
      json: { name: 'game-demo', env_key: 'prod', common_env_cfg_type: 'ConfigMap', yaml_data: yaml },
    });
    expect(response.json).toEqual({ message: 'success' });
    expect((await configMap('game-demo', namespaces.prod)).data?.['player_initial_lives']).toBe('9');
    expect((await configMap('game-demo')).data?.['player_initial_lives']).toBe('3');
  });

  it('updates a Secret from its detail’s YAML, and a PVC’s labels', async () => {
    const detail = parse(
      stringAt(
        (await zadig(`/openapi/environments/dev/envcfg/db-credentials?projectKey=${project}&type=Secret`)).json,
        'secret_detail',
        'yaml_data',
      ),
    );
    detail.data.password = Buffer.from(`${secretValue}-rotated`).toString('base64');
    const secret = await zadig(`/openapi/environments/envcfgs?projectKey=${project}`, {
      method: 'PUT',
      json: {
        name: 'db-credentials',
        env_key: 'dev',
        common_env_cfg_type: 'Secret',
        yaml_data: JSON.stringify(detail),
      },
    });
    expect(secret.json).toEqual({ message: 'success' });
    const stored = await kube().core.readNamespacedSecret({ name: 'db-credentials', namespace: namespaces.dev });
    expect(Buffer.from(stored.data!['password']!, 'base64').toString()).toBe(`${secretValue}-rotated`);

    const pvc = await zadig(`/openapi/environments/envcfgs?projectKey=${project}`, {
      method: 'PUT',
      json: { env_key: 'dev', common_env_cfg_type: 'PVC', yaml_data: pvcYaml('  labels: {tier: data}\n') },
    });
    expect(pvc.json).toEqual({ message: 'success' });
    expect(
      (await kube().core.readNamespacedPersistentVolumeClaim({ name: 'shop-data', namespace: namespaces.dev })).metadata
        ?.labels,
    ).toEqual({ tier: 'data' });
  });

  it('refuses what the API server refuses, as a 400 naming yaml_data (a PVC’s access modes are immutable)', async () => {
    const response = await zadig(`/openapi/environments/envcfgs?projectKey=${project}`, {
      method: 'PUT',
      json: {
        env_key: 'dev',
        common_env_cfg_type: 'PVC',
        yaml_data: pvcYaml().replace('ReadWriteOnce', 'ReadWriteMany'),
      },
    });
    expect(response.status).toBe(400);
    expect(response.json).toMatchObject({
      code: 400,
      message: 'Bad Request',
      description: expect.stringMatching(
        /^yaml_data: the API server rejected PersistentVolumeClaim "shop-data": .*immutable/,
      ),
    });
  });
});

describe('Delete Environment Configuration', () => {
  it('test environment: answers the documented {"message": 200}; the object and Berth’s record are gone', async () => {
    const response = await zadig(`/openapi/environments/dev/envcfg/shop-web?projectKey=${project}&type=Ingress`, {
      method: 'DELETE',
    });
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ message: 200 });
    expect(await statusOf(networking().readNamespacedIngress({ name: 'shop-web', namespace: namespaces.dev }))).toBe(
      404,
    );
    expect((await zadig(`/openapi/environments/dev/envcfgs?projectKey=${project}&type=Ingress`)).json).toEqual([]);
    expect((await zadig(`/openapi/environments/dev/envcfg/shop-web?projectKey=${project}&type=Ingress`)).status).toBe(
      404,
    );
    expect(await berth.rawItem(keys.envConfig(project, 'test', 'dev', 'Ingress', 'shop-web'))).toBeUndefined();
  });

  it('production environment', async () => {
    const response = await zadig(
      `/openapi/environments/production/prod/envcfg/game-demo?projectKey=${project}&type=ConfigMap`,
      { method: 'DELETE' },
    );
    expect(response.json).toEqual({ message: 200 });
    expect(await statusOf(configMap('game-demo', namespaces.prod))).toBe(404);
    expect(await statusOf(configMap('game-demo'))).toBe(200);
  });

  it('deletes a Secret and a PVC', async () => {
    for (const [type, name] of [
      ['Secret', 'db-credentials'],
      ['PVC', 'shop-data'],
    ]) {
      expect(
        (
          await zadig(`/openapi/environments/dev/envcfg/${name}?projectKey=${project}&type=${type}`, {
            method: 'DELETE',
          })
        ).json,
        type,
      ).toEqual({ message: 200 });
    }
    expect(
      await statusOf(kube().core.readNamespacedSecret({ name: 'db-credentials', namespace: namespaces.dev })),
    ).toBe(404);
    // A PVC may linger while its protection finalizer runs; it is on its way out.
    await eventually(async () => {
      const status = await statusOf(
        kube().core.readNamespacedPersistentVolumeClaim({ name: 'shop-data', namespace: namespaces.dev }),
      );
      if (status === 404) return true;
      const pvc = await kube().core.readNamespacedPersistentVolumeClaim({
        name: 'shop-data',
        namespace: namespaces.dev,
      });
      return pvc.metadata?.deletionTimestamp ? true : undefined;
    });
  });
});

describe('a configuration deleted behind Berth’s back', () => {
  it('is listed with in_cluster false, its detail is a 404 saying so, and an update applies it again', async () => {
    await kube().core.deleteNamespacedConfigMap({ name: 'game-demo', namespace: namespaces.dev });
    const listed = arrayAt(
      (await zadig(`/openapi/environments/dev/envcfgs?projectKey=${project}&type=ConfigMap`)).json,
    );
    expect(listed.find((entry) => at(entry, 'name') === 'game-demo')).toMatchObject({ in_cluster: false });

    const detail = await zadig(`/openapi/environments/dev/envcfg/game-demo?projectKey=${project}&type=ConfigMap`);
    expect(detail.status).toBe(404);
    expect(stringAt(detail.json, 'description')).toBe(
      `ConfigMap "game-demo" of environment "dev" no longer exists in namespace "${namespaces.dev}"; update it to apply it again, or delete it`,
    );

    // Adding it again is refused (Berth still manages it); updating it brings it back.
    expect(
      (
        await zadig(`/openapi/environments/dev/envcfgs?projectKey=${project}`, {
          json: { common_env_cfg_type: 'ConfigMap', yaml_data: gameDemoYaml },
        })
      ).status,
    ).toBe(409);
    const updated = await zadig(`/openapi/environments/envcfgs?projectKey=${project}`, {
      method: 'PUT',
      json: { env_key: 'dev', common_env_cfg_type: 'ConfigMap', yaml_data: gameDemoYaml },
    });
    expect(updated.json).toEqual({ message: 'success' });
    expect((await configMap('game-demo')).data).toEqual(parse(gameDemoYaml).data);
  });

  it('can be deleted: already gone counts as deleted', async () => {
    await kube().core.deleteNamespacedConfigMap({ name: 'game-demo', namespace: namespaces.dev });
    expect(
      (
        await zadig(`/openapi/environments/dev/envcfg/game-demo?projectKey=${project}&type=ConfigMap`, {
          method: 'DELETE',
        })
      ).json,
    ).toEqual({ message: 200 });
    expect(await listedNames('ConfigMap')).toEqual(['istio-ca-root-cert-test']);
  });
});

describe('errors', () => {
  const add = (body: Record<string, unknown>, env = 'dev') =>
    zadig(`/openapi/environments/${env}/envcfgs?projectKey=${project}`, { json: body });
  const configMapYaml = (name: string, extra = '') =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  a: "1"\n${extra}`;

  it('an unknown project or environment is a 404 naming it', async () => {
    expect((await zadig(`/openapi/environments/nope/envcfgs?projectKey=${project}&type=ConfigMap`)).json).toEqual({
      code: 404,
      message: 'Not Found',
      description: 'environment "nope" not found',
    });
    expect(
      (await zadig(`/openapi/environments/production/nope/envcfgs?projectKey=${project}&type=ConfigMap`)).json,
    ).toMatchObject({ code: 404, description: 'production environment "nope" not found' });
    expect((await add({ common_env_cfg_type: 'ConfigMap', yaml_data: configMapYaml('x') }, 'nope')).json).toMatchObject(
      { code: 404, description: 'environment "nope" not found' },
    );
    // The production environment is not a test one, and the reverse.
    expect((await zadig(`/openapi/environments/prod/envcfgs?projectKey=${project}&type=ConfigMap`)).json).toMatchObject(
      { code: 404, description: 'environment "prod" not found' },
    );
    const update = await zadig(`/openapi/environments/envcfgs?projectKey=${project}`, {
      method: 'PUT',
      json: { env_key: 'nope', common_env_cfg_type: 'ConfigMap', yaml_data: configMapYaml('x') },
    });
    expect(update.json).toMatchObject({ code: 404, description: 'environment "nope" not found' });
    expect((await zadig(`/openapi/environments/dev/envcfgs?projectKey=ghost&type=ConfigMap`)).json).toMatchObject({
      code: 404,
      description: 'project "ghost" not found',
    });
  });

  it('an unknown configuration is a 404 naming it, for detail, update and delete', async () => {
    const description = 'ConfigMap "ghost" not found in environment "dev"';
    expect((await zadig(`/openapi/environments/dev/envcfg/ghost?projectKey=${project}&type=ConfigMap`)).json).toEqual({
      code: 404,
      message: 'Not Found',
      description,
    });
    expect(
      (await zadig(`/openapi/environments/dev/envcfg/ghost?projectKey=${project}&type=ConfigMap`, { method: 'DELETE' }))
        .json,
    ).toMatchObject({ code: 404, description });
    const update = await zadig(`/openapi/environments/envcfgs?projectKey=${project}`, {
      method: 'PUT',
      json: { env_key: 'dev', common_env_cfg_type: 'ConfigMap', yaml_data: configMapYaml('ghost') },
    });
    expect(update.json).toMatchObject({ code: 404, description });
    // The type is part of the name: istio-ca-root-cert-test is a ConfigMap, not a Secret.
    expect(
      (await zadig(`/openapi/environments/dev/envcfg/istio-ca-root-cert-test?projectKey=${project}&type=Secret`)).json,
    ).toMatchObject({
      code: 404,
      description: 'Secret "istio-ca-root-cert-test" not found in environment "dev"',
    });
    expect(
      (await zadig(`/openapi/environments/production/prod/envcfg/ghost?projectKey=${project}&type=PVC`)).json,
    ).toMatchObject({
      code: 404,
      description: 'PersistentVolumeClaim "ghost" not found in production environment "prod"',
    });
  });

  it('adding a configuration that exists is a 409; so is taking over an object Berth does not manage', async () => {
    const again = await add({
      name: 'istio-ca-root-cert-test',
      common_env_cfg_type: 'ConfigMap',
      yaml_data: istioRootCertYaml,
    });
    expect(again.json).toEqual({
      code: 409,
      message: 'Conflict',
      description: 'ConfigMap "istio-ca-root-cert-test" already exists in environment "dev"; update it instead',
    });

    await eventually(() => configMap('kube-root-ca.crt'));
    const rootCa = await add({ common_env_cfg_type: 'ConfigMap', yaml_data: configMapYaml('kube-root-ca.crt') });
    expect(rootCa.json).toMatchObject({
      code: 409,
      description: `ConfigMap "kube-root-ca.crt" already exists in namespace "${namespaces.dev}" and is not an environment configuration Berth manages; choose another name`,
    });
    expect((await configMap('kube-root-ca.crt')).data?.['a']).toBeUndefined();

    // The registry pull secret Berth put in the namespace is not a configuration either.
    const pullSecret = await add({
      common_env_cfg_type: 'Secret',
      yaml_data: secretYaml(secretValue).replace('db-credentials', 'berth-registry-harbor'),
    });
    expect(pullSecret.status).toBe(409);
    expect(
      (await kube().core.readNamespacedSecret({ name: 'berth-registry-harbor', namespace: namespaces.dev })).type,
    ).toBe('kubernetes.io/dockerconfigjson');
  });

  it.each([
    ['a missing yaml_data', { common_env_cfg_type: 'ConfigMap' }, 'yaml_data is required'],
    [
      'an unknown type',
      { common_env_cfg_type: 'Deployment', yaml_data: 'x' },
      'common_env_cfg_type: must be one of ConfigMap, Secret, Ingress, PVC',
    ],
    [
      'a name that is no Kubernetes name',
      { name: 'Bad_Name', common_env_cfg_type: 'ConfigMap', yaml_data: 'x' },
      'name: must be a lowercase RFC 1123 name',
    ],
    ['YAML that is not YAML', { common_env_cfg_type: 'ConfigMap', yaml_data: 'a: [1, 2' }, 'yaml: is not valid YAML'],
    [
      'YAML of another kind',
      { common_env_cfg_type: 'Secret', yaml_data: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n' },
      'yaml_data: a Secret configuration is a Secret, found a ConfigMap',
    ],
    [
      'two objects',
      {
        common_env_cfg_type: 'ConfigMap',
        yaml_data:
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: one\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: two\n',
      },
      'yaml_data: a ConfigMap configuration is one ConfigMap, found 2 objects',
    ],
    [
      'an Ingress of a retired API version',
      {
        common_env_cfg_type: 'Ingress',
        yaml_data: ingressYaml('a.example.com').replace('networking.k8s.io/v1', 'extensions/v1beta1'),
      },
      'yaml_data: a Ingress is apiVersion networking.k8s.io/v1, found extensions/v1beta1',
    ],
    [
      'an object without a name',
      { common_env_cfg_type: 'ConfigMap', yaml_data: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n' },
      'no metadata.name',
    ],
    [
      'a ConfigMap the API server refuses',
      {
        common_env_cfg_type: 'ConfigMap',
        yaml_data: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: refused\ndata:\n  "bad key": x\n',
      },
      'yaml_data: the API server rejected ConfigMap "refused"',
    ],
  ])('%s is a 400 naming the problem, and nothing is recorded', async (_, body, description) => {
    const response = await add(body);
    expect(response.status).toBe(400);
    expect(response.json).toMatchObject({
      code: 400,
      message: 'Bad Request',
      description: expect.stringContaining(description),
    });
    expect(await listedNames('ConfigMap')).toEqual(['istio-ca-root-cert-test']);
  });

  it('an environment being created or deleted takes no configuration changes (409); reads go on', async () => {
    const envKey = keys.environment(project, 'test', 'dev');
    await berth.ctx.store.annotate(envKey, { status: 'creating' });
    try {
      const response = await add({ common_env_cfg_type: 'ConfigMap', yaml_data: configMapYaml('early') });
      expect(response.json).toMatchObject({
        code: 409,
        description: expect.stringMatching(
          /^environment "dev" is creating \(operation .+\); try again once that is done$/,
        ),
      });
      expect(
        (
          await zadig(`/openapi/environments/dev/envcfg/istio-ca-root-cert-test?projectKey=${project}&type=ConfigMap`, {
            method: 'DELETE',
          })
        ).status,
      ).toBe(409);
      expect((await zadig(`/openapi/environments/dev/envcfgs?projectKey=${project}&type=ConfigMap`)).status).toBe(200);
    } finally {
      await berth.ctx.store.annotate(envKey, { status: 'success' });
    }
    expect(await statusOf(configMap('early'))).toBe(404);
  });

  it('the type query is required and checked', async () => {
    expect((await zadig(`/openapi/environments/dev/envcfgs?projectKey=${project}`)).json).toMatchObject({
      code: 400,
      description: 'type is required',
    });
    expect((await zadig(`/openapi/environments/dev/envcfgs?projectKey=${project}&type=configmap`)).json).toMatchObject({
      code: 400,
      description: 'type: must be one of ConfigMap, Secret, Ingress, PVC',
    });
    expect((await zadig(`/openapi/environments/dev/envcfg/x?type=ConfigMap`)).json).toMatchObject({
      code: 400,
      description: 'projectKey is required',
    });
  });

  it('needs a token', async () => {
    expect(
      (
        await call(
          berth.apps['zadig-environment'],
          `/openapi/environments/dev/envcfgs?projectKey=${project}&type=ConfigMap`,
        )
      ).status,
    ).toBe(401);
  });
});

describe('for the environment’s lifecycle (helpers for the worker)', () => {
  it('records the env_configs an environment was created with, and forgets them all, deleting their objects, with it', async () => {
    const yaml = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-creation\ndata:\n  a: "1"\n';
    const env = { project, scope: 'production' as const, key: 'prod', namespace: namespaces.prod };
    // As the creation worker applies an environment's env_configs.
    await kube().core.createNamespacedConfigMap({ namespace: namespaces.prod, body: parse(yaml) });
    await recordAppliedEnvConfigs(berth.ctx, env, [{ type: 'ConfigMap', yaml }], 'admin');
    await recordAppliedEnvConfigs(berth.ctx, env, [{ type: 'ConfigMap', yaml }], 'someone-else');
    expect(
      (await zadig(`/openapi/environments/production/prod/envcfgs?projectKey=${project}&type=ConfigMap`)).json,
    ).toEqual([
      {
        name: 'from-creation',
        env_name: 'prod',
        project_name: project,
        common_env_cfg_type: 'ConfigMap',
        update_time: expect.any(Number),
        in_cluster: true,
      },
    ]);
    expect(
      await berth.rawItem(keys.envConfig(project, 'production', 'prod', 'ConfigMap', 'from-creation')),
    ).toMatchObject({ createdBy: 'admin' });

    expect(await removeAllEnvConfigs(berth.ctx, env, await berth.connections.get('local'))).toEqual([]);
    expect(
      (await zadig(`/openapi/environments/production/prod/envcfgs?projectKey=${project}&type=ConfigMap`)).json,
    ).toEqual([]);
    expect(await statusOf(configMap('from-creation', namespaces.prod))).toBe(404);
  });
});

describe('logs', () => {
  it('never hold a Secret’s value, in clear or base64', () => {
    const lines = JSON.stringify(berth.logs);
    expect(berth.logs.length).toBeGreaterThan(10);
    expect(lines).not.toContain(secretValue);
    expect(lines).not.toContain(Buffer.from(secretValue).toString('base64'));
    expect(lines).not.toContain(Buffer.from(`${secretValue}-rotated`).toString('base64'));
  });
});
