import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createKubeCluster } from '../../core/cluster/kube-cluster.ts';
import { ADMIN_TOKEN, createHarness, eventually, type Harness } from '../support/harness.ts';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { call } from '../support/http.ts';
import { createNamespace, kube, runningPods } from '../support/kube.ts';
import { arrayAt, at, numberAt, objectAt, stringAt } from '../support/json.ts';

let berth: Harness;
let namespace: { name: string; remove(): Promise<void> };
const msgId = '1641876953';
const responseTime = expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);

const manifests = (ns: string) => [
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'mysql', namespace: ns },
    spec: {
      replicas: 2,
      // The selector is deliberately not `app=<name>`: Berth must use the Deployment's own selector.
      selector: { matchLabels: { component: 'db', release: 'r1' } },
      template: {
        metadata: { labels: { component: 'db', release: 'r1', app: 'mysql' } },
        spec: { containers: [{ name: 'mysql', image: 'mysql:8.0' }] },
      },
    },
  },
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'decoy', namespace: ns },
    spec: { selector: { component: 'cache' }, ports: [{ port: 6379 }] },
  },
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'mysql', namespace: ns },
    spec: { selector: { component: 'db' }, ports: [{ port: 3306, targetPort: 3306 }] },
  },
];

beforeAll(async () => {
  berth = await createHarness();
  namespace = await createNamespace('k8s-service');
  expect(
    (
      await call(berth.apps.admin, '/admin/clusters', {
        token: ADMIN_TOKEN,
        json: { id: 'default', name: 'test', kubeconfig: inject('kubeconfig') },
      })
    ).status,
  ).toBe(201);
  const applied = await createKubeCluster(inject('kubeconfig'), { timeoutMs: 10_000 }).apply(
    manifests(namespace.name),
    { namespace: namespace.name },
  );
  expect(applied.map((result) => result.outcome)).toEqual(['applied', 'applied', 'applied']);
  await runningPods(namespace.name, 'component=db', 2);
});
afterAll(async () => {
  await namespace.remove();
  await berth.close();
});

const k8sService = () => berth.apps['k8s-service'];

describe('GET /v1/k8sservice/test', () => {
  it('answers as documented', async () => {
    const response = await call(k8sService(), '/v1/k8sservice/test');
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ code: 200, message: '[INFO] oops, you got it.', responseTime });
  });
});

describe('GET /v1/k8sservice/getPod', () => {
  it('returns the deployment’s pods and the cluster IP and port of the Service in front of them', async () => {
    const pods = await runningPods(namespace.name, 'component=db', 2);
    const service = await kube().core.readNamespacedService({ name: 'mysql', namespace: namespace.name });

    const response = await call(
      k8sService(),
      `/v1/k8sservice/getPod?msgId=${msgId}&nameSpace=${namespace.name}&deploymentName=mysql`,
      { token: ADMIN_TOKEN },
    );
    expect(response.status).toBe(200);
    expect(response.json).toEqual({
      code: 200,
      message: { clusterIP: service.spec!.clusterIP, clusterPort: 3306, podList: expect.any(Array) },
      msgId,
      responseTime,
    });
    expect(at(response.json, 'message', 'podList')).toHaveLength(2);
    expect(new Set(arrayAt(response.json, 'message', 'podList'))).toEqual(
      new Set(pods.map((pod) => ({ podIP: pod.status!.podIP, podName: pod.metadata!.name }))),
    );
  });

  it('takes the document’s own spelling and its label example (deploymentname=app=mysql)', async () => {
    const response = await call(
      k8sService(),
      `/v1/k8sservice/getPod?msgId=${msgId}&namespace=${namespace.name}&deploymentname=app=mysql`,
      { token: ADMIN_TOKEN },
    );
    expect(response.json).toMatchObject({ code: 200, msgId, message: { clusterPort: 3306 } });
    expect(at(response.json, 'message', 'podList')).toHaveLength(2);
  });

  it('answers a missing parameter with code 201 and the documented message (the document’s error example)', async () => {
    const response = await call(k8sService(), `/v1/k8sservice/getPod?msgId=${msgId}&namespace=vss-meter-workspace`, {
      token: ADMIN_TOKEN,
    });
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ code: 201, message: '[ERROR] mandatory parameters missed. ', msgId, responseTime });
  });

  it('answers a deployment that does not exist with code 201 naming it', async () => {
    const response = await call(
      k8sService(),
      `/v1/k8sservice/getPod?msgId=${msgId}&namespace=${namespace.name}&deploymentName=nope`,
      { token: ADMIN_TOKEN },
    );
    expect(response.json).toMatchObject({ code: 201, message: expect.stringContaining('Deployment') });
    expect(stringAt(response.json, 'message')).toContain('nope');
  });
});

describe('after a scale-down', () => {
  it('lists only the pods still running, not those terminating', async () => {
    const { apps } = kube();
    await apps.patchNamespacedDeploymentScale(
      { name: 'mysql', namespace: namespace.name, body: { spec: { replicas: 3 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await runningPods(namespace.name, 'component=db', 3);
    const scaled = await call(k8sService(), '/v1/k8sservice/updatePodReplicas', {
      token: ADMIN_TOKEN,
      form: { nameSpace: namespace.name, deploymentName: 'mysql', replicas: '1', msgId },
    });
    expect(numberAt(scaled.json, 'code')).toBe(200);
    const listed = await eventually(async () => {
      const response = await call(
        k8sService(),
        `/v1/k8sservice/getPod?msgId=${msgId}&nameSpace=${namespace.name}&deploymentName=mysql`,
        { token: ADMIN_TOKEN },
      );
      return arrayAt(response.json, 'message', 'podList').length === 1 ? response.json : undefined;
    });
    const [running] = await runningPods(namespace.name, 'component=db', 1);
    expect(at(listed, 'message', 'podList')).toEqual([
      { podIP: running!.status!.podIP, podName: running!.metadata!.name },
    ]);
  });
});

describe('POST /v1/k8sservice/updatePodReplicas', () => {
  it('scales through a form body, as documented, and the ReplicaSet follows', async () => {
    const response = await call(k8sService(), '/v1/k8sservice/updatePodReplicas', {
      token: ADMIN_TOKEN,
      form: { nameSpace: namespace.name, deploymentName: 'mysql', replicas: '3', msgId },
    });
    expect(response.status).toBe(200);
    expect(response.json).toEqual({
      code: 200,
      message: { deploymentName: 'mysql', nameSpace: namespace.name, replicas: 3 },
      msgId,
      responseTime,
    });

    const replicaSets = await eventually(
      async () => {
        const sets = (
          await kube().apps.listNamespacedReplicaSet({ namespace: namespace.name, labelSelector: 'component=db' })
        ).items;
        return sets.length === 1 && sets[0]!.spec?.replicas === 3 && sets[0]!.status?.readyReplicas === 3
          ? sets
          : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(replicaSets[0]!.spec?.replicas).toBe(3);
    await runningPods(namespace.name, 'component=db', 3);
  });

  it('scales through a JSON body too', async () => {
    const response = await call(k8sService(), '/v1/k8sservice/updatePodReplicas', {
      token: ADMIN_TOKEN,
      json: { namespace: namespace.name, deploymentname: 'mysql', replicas: 1, msgId },
    });
    expect(response.json).toMatchObject({ code: 200, message: { replicas: 1 } });
    await runningPods(namespace.name, 'component=db', 1);
    expect(
      (await kube().apps.readNamespacedDeployment({ name: 'mysql', namespace: namespace.name })).spec?.replicas,
    ).toBe(1);
  });

  it('takes a numeric msgId in JSON, and JSON sent as a form by `curl -d`', async () => {
    const numeric = await call(k8sService(), '/v1/k8sservice/updatePodReplicas', {
      token: ADMIN_TOKEN,
      json: { nameSpace: namespace.name, deploymentName: 'mysql', replicas: 1, msgId: 1641876953 },
    });
    expect(numeric.json).toMatchObject({ code: 200, msgId: '1641876953' });
    const curlStyle = await call(k8sService(), '/v1/k8sservice/updatePodReplicas', {
      token: ADMIN_TOKEN,
      body: JSON.stringify({ nameSpace: namespace.name, deploymentName: 'mysql', replicas: 1, msgId: 'curl' }),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(curlStyle.json).toMatchObject({ code: 200, msgId: 'curl', message: { replicas: 1 } });
  });

  it('answers a deployment that does not exist with code 201 naming it, and a name that cannot be one as invalid', async () => {
    const missing = await call(k8sService(), '/v1/k8sservice/updatePodReplicas', {
      token: ADMIN_TOKEN,
      form: { nameSpace: namespace.name, deploymentName: 'ghost', replicas: '1', msgId },
    });
    expect(missing.json).toMatchObject({ code: 201, msgId, message: expect.stringContaining('ghost') });
    const selector = await call(k8sService(), '/v1/k8sservice/updatePodReplicas', {
      token: ADMIN_TOKEN,
      form: { nameSpace: namespace.name, deploymentName: 'app=mysql', replicas: '1', msgId },
    });
    expect(selector.json).toMatchObject({ code: 201, message: expect.stringContaining('deploymentName') });
  });

  it.each([
    [
      'a missing replicas',
      { nameSpace: 'ns', deploymentName: 'mysql', msgId },
      '[ERROR] mandatory parameters missed. ',
    ],
    [
      'a missing msgId',
      { nameSpace: 'ns', deploymentName: 'mysql', replicas: '1' },
      '[ERROR] mandatory parameters missed. ',
    ],
    ['negative replicas', { nameSpace: 'ns', deploymentName: 'mysql', replicas: '-1', msgId }, 'replicas'],
    ['non-numeric replicas', { nameSpace: 'ns', deploymentName: 'mysql', replicas: 'three', msgId }, 'replicas'],
  ])('answers %s with code 201 and scales nothing', async (_, form, message) => {
    const response = await call(k8sService(), '/v1/k8sservice/updatePodReplicas', { token: ADMIN_TOKEN, form });
    expect(response.status).toBe(200);
    expect(numberAt(response.json, 'code')).toBe(201);
    expect(stringAt(response.json, 'message')).toContain(message);
    expect(objectAt(response.json).msgId).toBe((form as { msgId?: string }).msgId);
  });
});
