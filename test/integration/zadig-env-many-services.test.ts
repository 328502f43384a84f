import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../core/store/keys.ts';
import { serviceRoutesByScope } from '../../functions/zadig-service/routes.ts';
import { ADMIN_TOKEN, createHarness, type Harness } from '../support/harness.ts';
import { callRoute } from '../support/http.ts';
import { kube } from '../support/kube.ts';
import { environmentClient, seedEnvironmentWorld } from '../support/zadig-environment.ts';
import { objectAt, stringAt } from '../support/json.ts';

// More services than one transaction records (50), applied together: the worker records them as they finish.
const SERVICES = 130;
const names = Array.from({ length: SERVICES }, (_, index) => `cfg-${index}`);
const configYaml = (name: string) =>
  ['apiVersion: v1', 'kind: ConfigMap', `metadata: {name: ${name}}`, 'data: {owner: "{{.owner}}"}', ''].join('\n');

let berth: Harness;
const namespace = `many-${randomBytes(3).toString('hex')}`;
const { zadig, settled } = environmentClient(() => berth);

beforeAll(async () => {
  berth = await createHarness();
  await berth.startWorkers();
  await seedEnvironmentWorld(berth, 'many');
  for (const name of names) {
    const created = await callRoute(berth.apps['zadig-service'], serviceRoutesByScope.test.createRaw, {
      token: ADMIN_TOKEN,
      query: { projectKey: 'many' },
      json: {
        service_name: name,
        yaml: configYaml(name),
        variable_yaml: [{ key: 'owner', value: 'nobody', type: 'string' }],
      },
    });
    expect(created.status).toBe(200);
  }
});
afterAll(async () => {
  await kube()
    .core.deleteNamespace({ name: namespace })
    .catch(() => undefined);
  await berth.close();
});

describe(`an environment of ${SERVICES} services`, () => {
  it('applies every one and records each with its first revision, pointing at what was applied', async () => {
    const created = await zadig('/openapi/environments?projectKey=many', {
      json: {
        env_key: 'dev',
        cluster_id: 'local',
        namespace,
        registry_id: 'harbor',
        services: names.map((service_name) => ({
          service_name,
          variable_kvs: [{ key: 'owner', value: service_name }],
        })),
      },
    });
    expect(created.status).toBe(200);
    expect((await settled(stringAt(created.json, 'operation_id'))).state).toBe('success');

    const configMaps = await kube().core.listNamespacedConfigMap({ namespace });
    const owners = new Map(configMaps.items.map((item) => [item.metadata?.name, item.data?.['owner']]));
    for (const name of names) expect(owners.get(name), name).toBe(name);

    for (const name of names) {
      const envService = await berth.ctx.store.get<{ status: string; revision: number; rendered: string }>(
        keys.envService('many', 'test', 'dev', name),
      );
      expect(envService, name).toMatchObject({ status: 'applied', revision: 1 });
      const revision = await berth.ctx.store.get<{ rendered: string }>(
        keys.envServiceRevision('many', 'test', 'dev', name, 1),
      );
      expect(revision?.rendered, name).toBe(envService?.rendered);
      expect(revision?.rendered, name).toContain(`owner: ${name}`);
    }

    const detail = objectAt((await zadig('/openapi/environments/dev?projectKey=many')).json);
    expect(detail['services']).toHaveLength(SERVICES);
  });
});
