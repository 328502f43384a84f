import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { adminRoutes } from '../../functions/admin/routes.ts';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../functions/local/dynamodb-local.ts';
import { RECORD_ATTEMPTS } from '../../functions/worker/handle-records.ts';
import { ADMIN_TOKEN, createHarness, type Harness } from '../support/harness.ts';
import { call, callRoute } from '../support/http.ts';
import { stringAt } from '../support/json.ts';
import { kube } from '../support/kube.ts';
import { environmentClient, seedEnvironmentWorld } from '../support/zadig-environment.ts';

describe('DynamoDB Local stopped under a write (a DynamoDB Local of this file’s own)', () => {
  const dbPath = mkdtempSync(join(tmpdir(), 'berth-faults-'));
  let dynamo: DynamoDbLocal;
  let berth: Harness;
  const port = () => Number(new URL(dynamo.endpoint).port);
  const createProject = (key: string) =>
    call(berth.apps['zadig-service'], '/openapi/projects/project', {
      token: ADMIN_TOKEN,
      json: { project_key: key, project_name: key, project_type: 'yaml' },
    });
  const createService = (project: string, name: string) =>
    call(berth.apps['zadig-service'], `/openapi/service/yaml/raw?projectKey=${project}`, {
      token: ADMIN_TOKEN,
      json: { service_name: name, yaml: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n', variable_yaml: [] },
    });

  beforeAll(async () => {
    dynamo = await startDynamoDbLocal({ dbPath });
    berth = await createHarness({ dynamoEndpoint: dynamo.endpoint });
    expect((await createProject('faults')).status).toBe(200);
  });
  afterAll(async () => {
    await berth?.close();
    await dynamo?.stop();
    rmSync(dbPath, { recursive: true, force: true });
  });

  it('answers 503 in the dialect’s envelope within the deadline, and stores nothing half-written', async () => {
    await dynamo.stop();
    const started = Date.now();
    const refused = await createService('faults', 'during-outage');
    const elapsedMs = Date.now() - started;
    expect(refused.status).toBe(503);
    expect(refused.json).toMatchObject({ code: 503, message: 'Service Unavailable' });
    expect(elapsedMs).toBeLessThan(10_000);
    console.info(`table stopped: 503 after ${elapsedMs} ms`);

    dynamo = await startDynamoDbLocal({ dbPath, port: port() });
    const detail = await call(berth.apps['zadig-service'], '/openapi/service/yaml/during-outage?projectKey=faults', {
      token: ADMIN_TOKEN,
    });
    expect(detail.status).toBe(404);
    // Nothing of the refused write is left behind to collide with: the same request now succeeds.
    expect((await createService('faults', 'during-outage')).status).toBe(200);
  });

  it('answers 503 within the deadline when the table hangs, and what it stored is whole once it answers again', async () => {
    dynamo.freeze();
    const started = Date.now();
    let refused: Awaited<ReturnType<typeof createService>>;
    try {
      refused = await createService('faults', 'during-hang');
    } finally {
      dynamo.thaw();
    }
    const elapsedMs = Date.now() - started;
    expect(refused.status).toBe(503);
    // Two attempts of at most 2 s to connect and 5 s to answer, well inside the 30 s function deadline.
    expect(elapsedMs).toBeLessThan(15_000);

    // The request may have reached the table before it froze: the service is then there whole, never in part.
    const detail = await call(berth.apps['zadig-service'], '/openapi/service/yaml/during-hang?projectKey=faults', {
      token: ADMIN_TOKEN,
    });
    const again = await createService('faults', 'during-hang');
    if (detail.status === 200) {
      expect(detail.json).toMatchObject({ service_name: 'during-hang', yaml: expect.stringContaining('ConfigMap') });
      expect(again.status).toBe(409);
    } else {
      expect(detail.status).toBe(404);
      expect(again.status).toBe(200);
    }
    console.info(`table hung: 503 after ${elapsedMs} ms; stored before the hang: ${detail.status === 200}`);
  });
});

describe('a poison record in the stream (an operation that throws on every attempt)', () => {
  let berth: Harness;
  const namespaces = [`poison-${randomBytes(3).toString('hex')}`, `after-${randomBytes(3).toString('hex')}`];
  const { zadig, settled } = environmentClient(() => berth);
  let poisonAttempts = 0;

  beforeAll(async () => {
    berth = await createHarness();
    await seedEnvironmentWorld(berth, 'poison');
    const registered = await callRoute(berth.apps.admin, adminRoutes.registerCluster, {
      token: ADMIN_TOKEN,
      json: { id: 'poisoned', name: 'poisoned', kubeconfig: inject('kubeconfig') },
    });
    expect(registered.status).toBe(201);
    await berth.startWorkers({
      connections: {
        get: (id) => {
          if (id !== 'poisoned') return berth.connections.get(id);
          poisonAttempts += 1;
          return Promise.reject(new TypeError('poisoned connection: cannot read properties of undefined'));
        },
        forget: (id) => berth.connections.forget(id),
      },
    });
  });
  afterAll(async () => {
    for (const name of namespaces)
      await kube()
        .core.deleteNamespace({ name })
        .catch(() => undefined);
    await berth?.close();
  });

  it('ends failed with its error after bounded attempts, and the record after it is still carried out', async () => {
    const create = (env_key: string, cluster_id: string, namespace: string) =>
      zadig('/openapi/environments?projectKey=poison', {
        json: { env_key, cluster_id, namespace, registry_id: 'harbor', services: [{ service_name: 'service1' }] },
      });
    const poisoned = await create('poisoned', 'poisoned', namespaces[0]!);
    const after = await create('after', 'local', namespaces[1]!);
    expect([poisoned.status, after.status]).toEqual([200, 200]);

    const failed = await settled(stringAt(poisoned.json, 'operation_id'));
    expect(failed).toMatchObject({ state: 'failed', error: expect.stringContaining('poisoned connection') });
    expect(poisonAttempts).toBe(RECORD_ATTEMPTS);
    expect((await settled(stringAt(after.json, 'operation_id'))).state).toBe('success');

    const detail = await zadig('/openapi/environments/poisoned?projectKey=poison');
    expect(detail.json).toMatchObject({ status: 'failed' });
  });
});
