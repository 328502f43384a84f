import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { adminRoutes } from '../../functions/admin/routes.ts';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../functions/local/dynamodb-local.ts';
import type { KubeCluster } from '../../core/cluster/gateway.ts';
import { operationRoutes } from '../../functions/zadig-environment/routes.ts';
import { RECORD_ATTEMPTS } from '../../functions/worker/handle-records.ts';
import { ADMIN_TOKEN, createHarness, eventually, type Harness } from '../support/harness.ts';
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

describe('the stream worker killed in the middle of an operation (local poller with a checkpoint)', () => {
  let berth: Harness;
  const namespace = `resume-${randomBytes(3).toString('hex')}`;
  const checkpointDir = mkdtempSync(join(tmpdir(), 'berth-checkpoint-'));
  const checkpointFile = join(checkpointDir, 'stream-checkpoint.json');
  const { zadig, settled } = environmentClient(() => berth);
  let killed = false;

  /**
   * The cluster as the first worker sees it: the worker dies while its first Deployment is being applied (the
   * apply reaches the API server; from then on no call answers, as nothing is left to hear it).
   */
  const dyingAtFirstDeployment = (cluster: KubeCluster): KubeCluster =>
    new Proxy(cluster, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          if (killed) return new Promise(() => undefined);
          const objects = property === 'apply' ? (args[0] as Array<{ kind: string }>) : [];
          if (!objects.some((object) => object.kind === 'Deployment')) return value.apply(target, args);
          killed = true;
          await value.apply(target, args);
          return new Promise(() => undefined);
        };
      },
    });

  beforeAll(async () => {
    berth = await createHarness();
    await berth.startWorkers({
      checkpointFile,
      connections: {
        get: async (id) => dyingAtFirstDeployment(await berth.connections.get(id)),
        forget: (id) => berth.connections.forget(id),
      },
    });
    await seedEnvironmentWorld(berth, 'resume');
  });
  afterAll(async () => {
    await kube()
      .core.deleteNamespace({ name: namespace })
      .catch(() => undefined);
    await berth?.close();
    rmSync(checkpointDir, { recursive: true, force: true });
  });

  it('is resumed from the checkpoint by the next worker: the operation succeeds and nothing is rolled twice', async () => {
    // The seed's records (the cluster's probe) were handled, so the stream has a checkpoint to resume from.
    await eventually(async () => (existsSync(checkpointFile) ? true : undefined));
    const created = await zadig('/openapi/environments?projectKey=resume', {
      json: {
        env_key: 'resumed',
        cluster_id: 'local',
        namespace,
        registry_id: 'harbor',
        services: [{ service_name: 'service1' }, { service_name: 'service2' }],
      },
    });
    expect(created.status).toBe(200);
    const operationId = stringAt(created.json, 'operation_id');
    const operation = () =>
      callRoute(berth.apps['zadig-environment'], operationRoutes.getOperation, {
        token: ADMIN_TOKEN,
        params: { id: operationId },
      });

    await eventually(async () => (killed ? true : undefined));
    // Half done: a Deployment is in the cluster, the operation stays running with nobody left to finish it.
    expect((await operation()).json).toMatchObject({ state: 'running' });

    await berth.startWorkers({ checkpointFile });
    expect(await settled(operationId)).toMatchObject({ state: 'success' });

    const deployments = (await kube().apps.listNamespacedDeployment({ namespace })).items;
    expect(deployments.map((deployment) => deployment.metadata?.name).sort()).toEqual(['service1', 'service2']);
    // Applied again by the rerun with the same content: no new generation, so no second rollout.
    expect(deployments.map((deployment) => deployment.metadata?.generation)).toEqual([1, 1]);
  });
});
