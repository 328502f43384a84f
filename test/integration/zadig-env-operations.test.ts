import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../core/store/keys.ts';
import { ADMIN_TOKEN, createHarness, eventually, type Harness } from '../support/harness.ts';
import { call } from '../support/http.ts';
import { kube, runningPods } from '../support/kube.ts';
import { batchYaml } from '../support/batch-service.ts';
import { environmentClient, seedEnvironmentWorld } from '../support/zadig-environment.ts';
import { arrayAt, at, entryWith, objectAt, stringAt } from '../support/json.ts';

let berth: Harness;
const namespace = `ops-${randomBytes(3).toString('hex')}`;
const { zadig, settled } = environmentClient(() => berth);

const deployment = (name: string, replicas: string, image: string) => [
  'apiVersion: apps/v1',
  'kind: Deployment',
  'metadata:',
  `  name: ${name}`,
  'spec:',
  `  replicas: ${replicas}`,
  `  selector: {matchLabels: {app: ${name}}}`,
  '  template:',
  `    metadata: {labels: {app: ${name}}}`,
  '    spec:',
  '      containers:',
  `      - {name: main, image: "${image}"}`,
  `      - {name: sidecar, image: "envoy:1.0"}`,
];
// One service, two Deployments: restart must roll both; the first takes its replica count from a variable.
const duoYaml = [
  ...deployment('duo-web', '{{.replicas}}', 'web:1.0'),
  '---',
  ...deployment('duo-worker', '1', 'worker:1.0'),
  '---',
  'apiVersion: v1',
  'kind: Service',
  'metadata: {name: duo-web}',
  'spec: {selector: {app: duo-web}, type: NodePort, ports: [{port: 80}]}',
  '',
].join('\n');

const revisions = async (service: string) =>
  (
    await berth.ctx.store.listAll<{ action: string; detail?: string; appliedBy: string }>(
      keys.envServiceRevisions('ops', 'test', 'dev', service),
    )
  ).map((revision) => [revision.action, revision.appliedBy]);

/** A service's entry in the environment's detail. */
const envService = async (name: string) => {
  const services = arrayAt((await zadig('/openapi/environments/dev?projectKey=ops')).json, 'services');
  return entryWith(services, 'service_name', name);
};

beforeAll(async () => {
  berth = await createHarness();
  await berth.startWorkers();
  await seedEnvironmentWorld(berth, 'ops');
  for (const [service_name, yaml, variable_yaml] of [
    ['duo', duoYaml, [{ key: 'replicas', value: '1', type: 'string' }]],
    ['batch', batchYaml, []],
  ] as const) {
    const created = await call(berth.apps['zadig-service'], '/openapi/service/yaml/raw?projectKey=ops', {
      token: ADMIN_TOKEN,
      json: { service_name, yaml, variable_yaml },
    });
    expect(created.status).toBe(200);
  }
  const env = await zadig('/openapi/environments?projectKey=ops', {
    json: {
      env_key: 'dev',
      cluster_id: 'local',
      namespace,
      registry_id: 'harbor',
      services: [{ service_name: 'duo' }, { service_name: 'batch' }],
    },
  });
  expect((await settled(stringAt(env.json, 'operation_id'))).state).toBe('success');
  await runningPods(namespace, 'app=duo-web', 1);
  await runningPods(namespace, 'app=duo-worker', 1);
});
afterAll(async () => {
  await kube()
    .core.deleteNamespace({ name: namespace })
    .catch(() => undefined);
  await berth.close();
});

describe('service detail', () => {
  it('shows each workload with its images and running pods, the Service endpoints and the CronJobs', async () => {
    const detail = objectAt(
      (await zadig('/openapi/environments/dev/services/duo?projectKey=ops&workLoadtype=Deployment')).json,
    );
    expect(detail).toMatchObject({
      service_name: 'duo',
      namespace,
      env_name: 'dev',
      product_name: 'ops',
      ingress: [],
      cron_jobs: [],
    });
    const scales = arrayAt(detail, 'scales');
    expect(scales.map((scale) => stringAt(scale, 'name')).sort()).toEqual(['duo-web', 'duo-worker']);
    const web = entryWith(scales, 'name', 'duo-web');
    expect(web).toMatchObject({
      type: 'Deployment',
      replicas: 1,
      images: [
        { name: 'main', image: 'web:1.0', image_name: 'web' },
        { name: 'sidecar', image: 'envoy:1.0', image_name: 'envoy' },
      ],
    });
    expect(web.pods).toEqual([
      expect.objectContaining({
        kind: 'ReplicaSet',
        status: 'Running',
        ip: expect.stringMatching(/^\d+\.\d+\.\d+\.\d+$/),
        pod_ready: true,
        node_name: expect.stringMatching(/^kwok-node-/),
        containers: [
          expect.objectContaining({ name: 'main', image: 'web:1.0', restart_count: 0, status: 'running', ready: true }),
          expect.objectContaining({ name: 'sidecar' }),
        ],
      }),
    ]);
    expect(detail.service_endpoints).toEqual([
      {
        name: 'duo-web',
        age: expect.any(String),
        labels: {},
        endpoints: [{ service_name: 'duo-web', service_port: 80, node_port: expect.any(Number) }],
      },
    ]);

    const batch = objectAt((await zadig('/openapi/environments/dev/services/batch?projectKey=ops')).json);
    expect(batch.cron_jobs).toEqual([
      {
        name: 'batch-report',
        schedule: '0 3 * * *',
        suspend: false,
        last_schedule_time: 0,
        images: [{ name: 'report', image: 'busybox:1.36', image_name: 'busybox' }],
      },
    ]);
  });

  it('lists a service’s pods, and the environment reports its services running', async () => {
    const pods = arrayAt((await zadig('/openapi/environments/dev/service/duo/pods?projectKey=ops')).json);
    expect(pods.map((pod) => stringAt(pod, 'name').replace(/-[a-z0-9]+-[a-z0-9]+$/, '')).sort()).toEqual([
      'duo-web',
      'duo-worker',
    ]);
    expect((await envService('duo')).status).toBe('running');
  });
});

describe('POST /openapi/environments/scale (the spec example)', () => {
  it('scales the workload, the ReplicaSet follows, and the replica variable keeps the new count', async () => {
    const response = await zadig('/openapi/environments/scale', {
      json: {
        project_key: 'ops',
        env_key: 'dev',
        workload_name: 'duo-web',
        workload_type: 'Deployment',
        target_replicas: 3,
      },
    });
    expect(response.json).toEqual({ message: 'success' });
    await eventually(
      async () => {
        const sets = (await kube().apps.listNamespacedReplicaSet({ namespace, labelSelector: 'app=duo-web' })).items;
        return sets.some((set) => set.spec?.replicas === 3 && set.status?.readyReplicas === 3) ? true : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect((await envService('duo')).variable_kvs).toContainEqual({
      key: 'replicas',
      value: '3',
      use_global_variable: false,
    });
    expect(
      (await zadig('/openapi/environments/services/yaml?projectKey=ops&envName=dev&serviceName=duo')).text,
    ).toContain('replicas: 3');
    expect(await revisions('duo')).toContainEqual(['scale', 'admin']);
  });

  it.each([
    [{ target_replicas: -1 }, 400, 'target_replicas'],
    [{ target_replicas: 'three' }, 400, 'target_replicas'],
    [{ workload_name: 'nope' }, 404, 'Deployment "nope" not found in environment "dev"'],
    [{ env_key: 'ghost' }, 404, 'environment "ghost" not found'],
  ])('refuses %j', async (change, status, description) => {
    const response = await zadig('/openapi/environments/scale', {
      json: {
        project_key: 'ops',
        env_key: 'dev',
        workload_name: 'duo-web',
        workload_type: 'Deployment',
        target_replicas: 2,
        ...change,
      },
    });
    expect(response.status).toBe(status);
    expect(stringAt(response.json, 'description')).toContain(description);
  });
});

describe('restart', () => {
  it('restarts every Deployment of the service, and each rolls out', async () => {
    const requested = Date.now();
    const response = await zadig('/openapi/environments/dev/service/duo/restart?projectKey=ops', { method: 'POST' });
    expect(response.json).toEqual({ message: 'success' });
    for (const name of ['duo-web', 'duo-worker']) {
      const restartedAt = (await kube().apps.readNamespacedDeployment({ name, namespace })).spec?.template.metadata
        ?.annotations?.['kubectl.kubernetes.io/restartedAt'];
      expect(Date.parse(restartedAt ?? '')).toBeGreaterThanOrEqual(requested);
      await eventually(async () =>
        (await kube().apps.listNamespacedReplicaSet({ namespace, labelSelector: `app=${name}` })).items.length >= 2
          ? true
          : undefined,
      );
    }
    expect(await revisions('duo')).toContainEqual(['restart', 'admin']);
  });

  it('restarts one pod, which its ReplicaSet replaces', async () => {
    const [pod] = await runningPods(namespace, 'app=duo-worker', 1);
    const response = await zadig(`/openapi/environments/dev/pod/${pod!.metadata!.name}/restart?projectKey=ops`, {
      method: 'POST',
    });
    expect(response.json).toEqual({ message: 'success' });
    await eventually(async () => {
      const pods = await runningPods(namespace, 'app=duo-worker', 1);
      return pods[0]!.metadata!.name !== pod!.metadata!.name ? true : undefined;
    });
    expect(
      (await zadig('/openapi/environments/dev/pod/no-such-pod/restart?projectKey=ops', { method: 'POST' })).status,
    ).toBe(404);
  });
});

describe('image updates', () => {
  const body = {
    product_name: 'ops',
    env_name: 'dev',
    service_name: 'duo',
    container_name: 'sidecar',
    name: 'duo-web',
    image: 'koderover.tencentcloudcr.com/test/service1:20231116105254-6-main',
  };

  it('patches the named container of a Deployment (the spec example) and keeps the image for the next render', async () => {
    const response = await zadig('/openapi/environments/image/deployment/dev', { json: body });
    expect(response.json).toEqual({ message: 'success' });
    const containers = (await kube().apps.readNamespacedDeployment({ name: 'duo-web', namespace })).spec!.template.spec!
      .containers;
    expect(containers.map((container) => container.image)).toEqual(['web:1.0', body.image]);
    expect((await envService('duo')).containers).toContainEqual({
      name: 'sidecar',
      image: body.image,
      image_name: 'service1',
    });
    expect(
      (await zadig('/openapi/environments/services/yaml?projectKey=ops&envName=dev&serviceName=duo')).text,
    ).toContain(body.image);
    expect(await revisions('duo')).toContainEqual(['image', 'admin']);
  });

  it('patches a StatefulSet and a CronJob', async () => {
    expect(
      (
        await zadig('/openapi/environments/image/statefulset/dev', {
          json: { ...body, service_name: 'batch', name: 'batch-db', container_name: 'db', image: 'postgres:17' },
        })
      ).json,
    ).toEqual({ message: 'success' });
    expect(
      (await kube().apps.readNamespacedStatefulSet({ name: 'batch-db', namespace })).spec!.template.spec!.containers[0]!
        .image,
    ).toBe('postgres:17');
    expect(
      (
        await zadig('/openapi/environments/image/cronjob/dev', {
          json: {
            ...body,
            service_name: 'batch',
            name: 'batch-report',
            container_name: 'report',
            image: 'busybox:1.37',
          },
        })
      ).json,
    ).toEqual({ message: 'success' });
    const detail = (await zadig('/openapi/environments/dev/services/batch?projectKey=ops')).json;
    expect(at(detail, 'cron_jobs', 0, 'images')).toEqual([
      { name: 'report', image: 'busybox:1.37', image_name: 'busybox' },
    ]);
  });

  it.each([
    [{ container_name: 'nope' }, 404, 'container'],
    [{ service_name: 'ghost' }, 404, '"ghost" not found'],
    [{ name: 'duo-worker', service_name: 'batch' }, 404, 'Deployment "duo-worker" not found in service "batch"'],
    [{ image: 'Not An Image!' }, 400, 'is not an image reference'],
    [{ env_name: 'other' }, 400, 'env_name'],
  ])('refuses %j before patching anything', async (change, status, description) => {
    const before = (
      await kube().apps.readNamespacedDeployment({ name: 'duo-web', namespace })
    ).spec!.template.spec!.containers.map((container) => container.image);
    const response = await zadig('/openapi/environments/image/deployment/dev', {
      json: { ...body, image: 'changed:9', ...change },
    });
    expect(response.status).toBe(status);
    expect(stringAt(response.json, 'description')).toContain(description);
    expect(
      (await kube().apps.readNamespacedDeployment({ name: 'duo-web', namespace })).spec!.template.spec!.containers.map(
        (container) => container.image,
      ),
    ).toEqual(before);
  });
});

describe('GET /openapi/environments/kube/events', () => {
  it('lists a workload’s events with the documented fields', async () => {
    const events = await eventually(async () => {
      const response = await zadig(
        '/openapi/environments/kube/events?projectKey=ops&envName=dev&name=duo-web&type=Deployment',
      );
      return arrayAt(response.json).length > 0 ? response.json : undefined;
    });
    expect(events).toContainEqual({
      reason: 'ScalingReplicaSet',
      message: expect.stringContaining('duo-web'),
      first_seen: expect.any(Number),
      last_seen: expect.any(Number),
      count: expect.any(Number),
      type: 'Normal',
    });
  });
});

describe('applying a service again as it was', () => {
  const applyDuoAsItIs = async () => {
    const accepted = await zadig('/openapi/environments/dev/services?projectKey=ops', {
      method: 'PUT',
      json: { service_list: [{ service_name: 'duo' }] },
    });
    expect(accepted.status).toBe(200);
    expect(await settled(stringAt(accepted.json, 'operation_id'))).toMatchObject({ state: 'success', error: null });
  };

  it('restores an object deleted behind Berth’s back, and records no revision', async () => {
    // The first apply takes in whatever the tests above changed; the second renders the same YAML again.
    await applyDuoAsItIs();
    const before = await revisions('duo');
    await kube().core.deleteNamespacedService({ name: 'duo-web', namespace });

    await applyDuoAsItIs();

    expect((await kube().core.readNamespacedService({ name: 'duo-web', namespace })).spec?.type).toBe('NodePort');
    expect(await revisions('duo')).toEqual(before);
  });
});
