import { randomBytes } from 'node:crypto';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, createHarness, eventually, type Harness } from '../support/harness.ts';
import { call } from '../support/http.ts';
import { kube, runningPods } from '../support/kube.ts';
import { demoChart } from '../support/charts.ts';
import { arrayAt, objectAt, stringAt } from '../support/json.ts';
import { environmentClient, seedEnvironmentWorld } from '../support/zadig-environment.ts';
import { registerChartRegistry, uploadChart, zadigHelm } from '../support/zadig-helm.ts';

let berth: Harness;
const namespace = `helm-env-${randomBytes(3).toString('hex')}`;
const { zadig, settled } = environmentClient(() => berth);
const project = 'helmenv';

const operationOf = async (answer: Promise<{ status: number; json: unknown; text: string }>) => {
  const { status, json, text } = await answer;
  if (status !== 200) throw new Error(`answered ${status}: ${text}`);
  return settled(stringAt(json as never, 'operation_id'), 180_000);
};

beforeAll(async () => {
  berth = await createHarness({ clusterTimeoutMs: 10_000 });
  await berth.startWorkers();
  await seedEnvironmentWorld(berth, project);
  await registerChartRegistry(berth);
  await uploadChart(berth, demoChart({ name: 'web-chart', version: '1.0.0' }));
  for (const service_name of ['api', 'worker']) {
    const loaded = await zadigHelm(berth, `/openapi/service/template/load/helm?projectKey=${project}`, {
      json: { project_key: project, service_name, template_name: 'web-chart', values_yaml: 'port: 8080' },
    });
    if (loaded.status !== 200) throw new Error(`loading ${service_name}: ${loaded.text}`);
  }
});
afterAll(async () => {
  await zadig(`/openapi/environments/dev?projectKey=${project}&isDelete=true`, { method: 'DELETE' });
  await kube()
    .core.deleteNamespace({ name: namespace })
    .catch(() => undefined);
  await berth.close();
});

describe('Helm environments', () => {
  it('refuses a sub-environment on creation with a 400 naming sub_env, and records nothing', async () => {
    const answer = await zadigHelm(berth, `/openapi/environments/helm?projectKey=${project}`, {
      json: {
        alias: 'dev3-api',
        cluster_id: 'local',
        env_name: 'dev3',
        namespace: `${namespace}-3`,
        production: false,
        project_key: project,
        registry_id: 'harbor',
        sub_env: { base_env: 'dev', enable: true },
      },
    });
    expect(answer.status).toBe(400);
    expect(stringAt(answer.json, 'description')).toMatch(/^sub_env: /);
    expect((await zadig(`/openapi/environments/dev3?projectKey=${project}`)).status).toBe(404);
  });

  it('creates a Helm environment through the operation engine', async () => {
    const operation = await operationOf(
      zadigHelm(berth, `/openapi/environments/helm?projectKey=${project}`, {
        json: {
          alias: 'dev',
          cluster_id: 'local',
          env_name: 'dev',
          namespace,
          project_key: project,
          registry_id: 'harbor',
          sub_env: { base_env: '', enable: false },
        },
      }),
    );
    expect(operation.state).toBe('success');
    expect((await kube().core.readNamespace({ name: namespace })).metadata?.name).toBe(namespace);
  });

  it('installs a `deploy` service with values_yaml and override_kvs, and records an `import` one without installing', {
    timeout: 240_000,
  }, async () => {
    const operation = await operationOf(
      zadigHelm(berth, `/openapi/environments/helm/dev/services?projectKey=${project}`, {
        json: {
          env_name: 'dev',
          production: false,
          services: [
            {
              deploy_strategy: 'deploy',
              override_kvs: [
                { key: 'image.tag', value: '2.0' },
                { key: 'replicaCount', value: '2' },
              ],
              service_name: 'api',
              values_yaml: 'aa: bb\nimage:\n  repository: registry.example.com/demo/api',
            },
            {
              deploy_strategy: 'import',
              override_kvs: [{ key: 'aa', value: 'bb' }],
              service_name: 'worker',
              values_yaml: 'abc: 123',
            },
          ],
        },
      }),
    );
    expect(operation.state).toBe('success');
    const release = `${namespace}-api`;
    const deployment = await kube().apps.readNamespacedDeployment({ name: release, namespace });
    expect(deployment.spec?.replicas).toBe(2);
    expect(deployment.spec?.template.spec?.containers[0]?.image).toBe('registry.example.com/demo/api:2.0');
    await runningPods(namespace, `app.kubernetes.io/instance=${release}`, 2);
    const imported = await kube()
      .apps.readNamespacedDeployment({ name: `${namespace}-worker`, namespace })
      .catch(() => undefined);
    expect(imported).toBeUndefined();
  });

  it('answers the live values of the release, chart defaults included, as the values route documents', async () => {
    const answer = await zadigHelm(
      berth,
      `/openapi/environments/service/values?projectKey=${project}&envName=dev&serviceName=api`,
    );
    expect(answer.status).toBe(200);
    expect(parse(JSON.parse(answer.text) as string)).toEqual({
      aa: 'bb',
      image: { repository: 'registry.example.com/demo/api', tag: '2.0' },
      labels: ['a'],
      port: 8080,
      replicaCount: 2,
    });
    const notInstalled = await zadigHelm(
      berth,
      `/openapi/environments/service/values?projectKey=${project}&envName=dev&serviceName=worker`,
    );
    expect(notInstalled.status).toBe(404);
  });

  it('answers import_values_from_git with a 400 naming the field', async () => {
    const answer = await zadigHelm(berth, `/openapi/environments/helm/dev/services?projectKey=${project}`, {
      json: {
        env_name: 'dev',
        services: [
          {
            deploy_strategy: 'deploy',
            service_name: 'worker',
            import_values_from_git: {
              auto_sync: true,
              branch: 'main',
              codehost_name: 'gitlab',
              namespace: 'org',
              repo: 'demo',
              value_path: 'var.yaml',
            },
          },
        ],
      },
    });
    expect(answer.status).toBe(400);
    expect(stringAt(answer.json, 'description')).toMatch(/^services\[0\]\.import_values_from_git: /);
  });

  it('refuses a YAML service and values the chart cannot render, before recording anything', async () => {
    const yamlService = await zadigHelm(berth, `/openapi/environments/helm/dev/services?projectKey=${project}`, {
      json: { env_name: 'dev', services: [{ deploy_strategy: 'deploy', service_name: 'service1' }] },
    });
    expect(stringAt(yamlService.json, 'description')).toMatch(
      /^services\[0\]\.service_name: service "service1" is not a Helm service/,
    );
    const broken = await zadigHelm(berth, `/openapi/environments/helm/dev/services?projectKey=${project}`, {
      json: {
        env_name: 'dev',
        services: [{ deploy_strategy: 'deploy', service_name: 'worker', values_yaml: 'image: plain' }],
      },
    });
    expect(stringAt(broken.json, 'description')).toMatch(/^services\[0\]\.values_yaml: the chart does not render/);
    const env = objectAt((await zadig(`/openapi/environments/dev?projectKey=${project}`)).json);
    expect(env['services']).toEqual([
      expect.objectContaining({ service_name: 'api', type: 'helm', status: 'running', revision: 1 }),
      expect.objectContaining({ service_name: 'worker', type: 'helm', revision: 0 }),
    ]);
  });

  it('turns an image update on a Helm service into a values change that a later upgrade keeps', {
    timeout: 360_000,
  }, async () => {
    const release = `${namespace}-api`;
    const image = 'registry.example.com/demo/api:3.0';
    const updated = await zadig('/openapi/environments/image/deployment/dev', {
      json: {
        product_name: project,
        env_name: 'dev',
        service_name: 'api',
        name: release,
        container_name: 'web',
        image,
      },
    });
    expect(updated.json).toEqual({ message: 'success' });
    const lastOperation = async () =>
      settled(stringAt((await zadig(`/openapi/environments/dev?projectKey=${project}`)).json, 'operation_id'), 180_000);
    expect((await lastOperation()).state).toBe('success');
    const liveImage = async () =>
      (await kube().apps.readNamespacedDeployment({ name: release, namespace })).spec?.template.spec?.containers[0]
        ?.image;
    expect(await liveImage()).toBe(image);
    const values = async () =>
      parse(
        JSON.parse(
          (
            await zadigHelm(
              berth,
              `/openapi/environments/service/values?projectKey=${project}&envName=dev&serviceName=api`,
            )
          ).text,
        ) as string,
      ) as unknown;
    expect(await values()).toMatchObject({ image: { repository: 'registry.example.com/demo/api', tag: '3.0' } });

    const upgrade = await operationOf(
      zadigHelm(berth, `/openapi/environments/helm/dev/services?projectKey=${project}`, {
        json: {
          env_name: 'dev',
          services: [
            {
              deploy_strategy: 'deploy',
              service_name: 'api',
              values_yaml: 'image:\n  repository: registry.example.com/demo/api\n  tag: "2.0"\nreplicaCount: 1',
            },
          ],
        },
      }),
    );
    expect(upgrade.state).toBe('success');
    const deployment = await kube().apps.readNamespacedDeployment({ name: release, namespace });
    expect(deployment.spec?.replicas).toBe(1);
    expect(await liveImage()).toBe(image);
    const env = objectAt((await zadig(`/openapi/environments/dev?projectKey=${project}`)).json);
    expect(env['services']).toContainEqual(
      expect.objectContaining({ service_name: 'api', type: 'helm', status: 'running', revision: 3 }),
    );
  });

  it('scales, restarts and shows a Helm service through the workloads its release applied; the next upgrade resets the scale', {
    timeout: 360_000,
  }, async () => {
    const release = `${namespace}-api`;
    const instance = `app.kubernetes.io/instance=${release}`;
    const replicas = async () =>
      (await kube().apps.readNamespacedDeployment({ name: release, namespace })).spec?.replicas;
    const scaled = await zadig('/openapi/environments/scale', {
      json: {
        project_key: project,
        env_key: 'dev',
        workload_name: release,
        workload_type: 'Deployment',
        target_replicas: 3,
      },
    });
    expect(scaled.json).toEqual({ message: 'success' });
    expect(await replicas()).toBe(3);
    await runningPods(namespace, instance, 3);

    const pods = arrayAt((await zadig(`/openapi/environments/dev/service/api/pods?projectKey=${project}`)).json);
    expect(pods.map((pod) => stringAt(pod, 'name'))).toEqual([
      expect.stringMatching(`^${release}-`),
      expect.stringMatching(`^${release}-`),
      expect.stringMatching(`^${release}-`),
    ]);
    const detail = objectAt(
      (await zadig(`/openapi/environments/dev/services/api?projectKey=${project}&workLoadtype=Deployment`)).json,
    );
    expect(detail).toMatchObject({ service_name: 'api', namespace, env_name: 'dev', product_name: project });
    expect(arrayAt(detail, 'scales')).toEqual([
      expect.objectContaining({
        name: release,
        type: 'Deployment',
        replicas: 3,
        images: [{ name: 'web', image: 'registry.example.com/demo/api:3.0', image_name: 'api' }],
      }),
    ]);

    const requested = Date.now();
    const restarted = await zadig(`/openapi/environments/dev/service/api/restart?projectKey=${project}`, {
      method: 'POST',
    });
    expect(restarted.json).toEqual({ message: 'success' });
    const restartedAt = (await kube().apps.readNamespacedDeployment({ name: release, namespace })).spec?.template
      .metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'];
    expect(Date.parse(restartedAt ?? '')).toBeGreaterThanOrEqual(requested);

    const events = await eventually(async () => {
      const answer = await zadig(
        `/openapi/environments/kube/events?projectKey=${project}&envName=dev&name=${release}&type=Deployment`,
      );
      const listed = arrayAt(answer.json);
      return listed.some((event) => /to 3$/.test(stringAt(event, 'message'))) ? listed : undefined;
    });
    expect(events).toContainEqual(
      expect.objectContaining({
        reason: 'ScalingReplicaSet',
        message: expect.stringContaining(release),
        type: 'Normal',
      }),
    );
    const env = objectAt((await zadig(`/openapi/environments/dev?projectKey=${project}`)).json);
    expect(env['services']).toContainEqual(
      expect.objectContaining({ service_name: 'api', type: 'helm', status: 'running', revision: 5 }),
    );

    // A scale is not a values change (docs/decisions.md, Helm): the release's replicaCount wins on the next upgrade.
    const upgrade = await operationOf(
      zadigHelm(berth, `/openapi/environments/helm/dev/services?projectKey=${project}`, {
        json: {
          env_name: 'dev',
          services: [
            {
              deploy_strategy: 'deploy',
              service_name: 'api',
              values_yaml: 'image:\n  repository: registry.example.com/demo/api\n  tag: "2.0"\nreplicaCount: 1',
            },
          ],
        },
      }),
    );
    expect(upgrade).toMatchObject({ state: 'success', error: null });
    expect(await replicas()).toBe(1);
    const afterUpgrade = (await kube().apps.readNamespacedDeployment({ name: release, namespace })).spec?.template
      .metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'];
    expect(afterUpgrade).toBe(restartedAt);
  });

  it('answers 404 for an image update on a container the Helm service does not run, and upgrades nothing', async () => {
    const operationBefore = stringAt(
      (await zadig(`/openapi/environments/dev?projectKey=${project}`)).json,
      'operation_id',
    );
    const answer = await zadig('/openapi/environments/image/deployment/dev', {
      json: {
        product_name: project,
        env_name: 'dev',
        service_name: 'api',
        name: `${namespace}-api`,
        container_name: 'sidecar',
        image: 'registry.example.com/demo/api:4.0',
      },
    });
    expect(answer.status).toBe(404);
    expect(stringAt((await zadig(`/openapi/environments/dev?projectKey=${project}`)).json, 'operation_id')).toBe(
      operationBefore,
    );
  });

  it('uninstalls the releases when the environment is deleted with its resources', async () => {
    const operation = await operationOf(
      zadig(`/openapi/environments/dev?projectKey=${project}&isDelete=true`, { method: 'DELETE' }),
    );
    expect(operation.state).toBe('success');
    await eventually(
      async () =>
        await kube()
          .apps.readNamespacedDeployment({ name: `${namespace}-api`, namespace })
          .then(() => undefined)
          .catch(() => true),
    );
    const token = ADMIN_TOKEN;
    expect(
      (await call(berth.apps['zadig-environment'], `/openapi/environments/dev?projectKey=${project}`, { token }))
        .status,
    ).toBe(404);
  });
});
