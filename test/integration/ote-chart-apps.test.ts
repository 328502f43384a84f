import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ADMIN_TOKEN, createHarness, eventually, type Harness } from '../support/harness.ts';
import { demoChart, demoChartFiles, tarGz } from '../support/charts.ts';
import { call } from '../support/http.ts';
import { arrayAt, at, numberAt, objectAt, stringAt } from '../support/json.ts';
import { kube } from '../support/kube.ts';
import { oteCall } from '../support/ote.ts';
import { registerChartRegistry } from '../support/zadig-helm.ts';

let berth: Harness;
const suffix = randomBytes(3).toString('hex');
const NAMESPACE = 'berth-ote';
const appName = `chart-${suffix}`;
const deployName = `chart-${suffix}`;
const image = (tag: string) => `registry.example.com/demo/web:${tag}`;
const chartOf = (version: string, tag: string) =>
  demoChart({
    name: 'web',
    version,
    values: `replicaCount: 2\nimage:\n  repository: registry.example.com/demo/web\n  tag: "${tag}"\nport: 80\n`,
  });

const deploys = (path: string, options: Parameters<typeof call>[2] = {}) => oteCall(berth, 'ote-deploy', path, options);
const uploadChartApp = (version: string, archive: Uint8Array, name = appName) => {
  const form = new FormData();
  form.append('appName', name);
  form.append('version', version);
  form.append('projectName', 'shop');
  form.append('chart', new Blob([archive], { type: 'application/gzip' }), 'chart.tgz');
  return oteCall(berth, 'ote-app', '/v1/app/chart', { multipart: form });
};
const settled = (id: number, statuses: number[] = [5, 6, 7, 8, 9]) =>
  eventually(
    async () => {
      const deploy = objectAt((await deploys(`/v1/deploy/id/${id}`)).json, 'data');
      return statuses.includes(numberAt(deploy, 'status')) ? deploy : undefined;
    },
    { timeoutMs: 180_000, intervalMs: 300 },
  );
const podImages = async () =>
  (
    await kube().core.listNamespacedPod({
      namespace: NAMESPACE,
      labelSelector: `app.kubernetes.io/instance=${deployName}`,
    })
  ).items
    .filter((pod) => !pod.metadata?.deletionTimestamp)
    .map((pod) => pod.spec?.containers[0]?.image);
/** Waits until the release's pods are exactly two, all running `expected`. */
const podsRun = (expected: string) =>
  eventually(async () => {
    const images = await podImages();
    return images.length === 2 && images.every((running) => running === expected) ? images : undefined;
  });

/** The release's newest revision as Helm stored it (a Secret holding base64 of gzipped JSON). */
const latestRevision = async () => {
  const secrets = await kube().core.listNamespacedSecret({
    namespace: NAMESPACE,
    labelSelector: `owner=helm,name=${deployName}`,
  });
  const newest = secrets.items.sort(
    (a, b) => Number(b.metadata?.labels?.['version']) - Number(a.metadata?.labels?.['version']),
  )[0];
  const stored = Buffer.from(newest?.data?.['release'] ?? '', 'base64').toString();
  return JSON.parse(gunzipSync(Buffer.from(stored, 'base64')).toString()) as unknown;
};

beforeAll(async () => {
  berth = await createHarness();
  await berth.startWorkers();
  await call(berth.apps.admin, '/admin/clusters', {
    token: ADMIN_TOKEN,
    json: { id: 'edge', name: 'edge', labels: { zone: 'edge' }, kubeconfig: inject('kubeconfig') },
  });
  await registerChartRegistry(berth);
});
afterAll(async () => {
  await berth.close();
});

describe('ote-stack chart applications', () => {
  it('creates an application from an uploaded chart, stored by digest; name and version are immutable', async () => {
    const created = await uploadChartApp('1.0', chartOf('0.1.0', '1.0'));
    expect(created.status).toBe(201);
    expect(at(created.json, 'data')).toMatchObject({
      appName,
      version: '1.0',
      deployType: 'chart',
      chartName: 'web',
      chartVersion: '0.1.0',
      digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
    });
    expect((await uploadChartApp('1.1', chartOf('0.2.0', '1.1'))).status).toBe(201);
    const again = await uploadChartApp('1.0', chartOf('0.1.0', '1.0'));
    expect(again.status).toBe(409);
  });

  it('refuses a hostile archive with a 400 naming the chart part, and records nothing', async () => {
    const traversal = tarGz([...demoChartFiles({ name: 'web' }), { name: 'web/../../etc/evil', content: 'x' }]);
    const answer = await uploadChartApp('1.0', traversal, `evil-${suffix}`);
    expect(answer.status).toBe(400);
    expect(stringAt(answer.json, 'message')).toMatch(/^chart: /);
    const listed = await oteCall(berth, 'ote-app', `/v1/app?appName=evil-${suffix}&appNameMode=strict`);
    expect(at(listed.json, 'total')).toBe(0);
  });

  let id: number;
  it('deploys the chart as a Helm release on the matching cluster: pods run the chart’s image', {
    timeout: 240_000,
  }, async () => {
    const created = await deploys('/v1/deploy/install', {
      json: { deployName, appName, version: '1.0', cluster: 'zone=edge', nodeLabel: '', comment: 'first' },
    });
    expect(created.status).toBe(201);
    id = numberAt(created.json, 'data', 'id');
    expect(await settled(id)).toMatchObject({ status: 5, version: '1.0', deployType: 1 });
    await podsRun(image('1.0'));
  });

  it('upgrades the release: pods follow the new version', { timeout: 240_000 }, async () => {
    await deploys(`/v1/deploy/id/${id}`, { json: { version: '1.1', comment: 'up' } });
    expect(await settled(id)).toMatchObject({ status: 5, version: '1.1', deployType: 2 });
    await podsRun(image('1.1'));
  });

  it('rolls back through the release history: pods follow, history lists every change', {
    timeout: 240_000,
  }, async () => {
    await deploys(`/v1/deploy/id/${id}`, { method: 'PUT', json: { version: '1.0', comment: 'back' } });
    expect(await settled(id)).toMatchObject({ status: 5, version: '1.0', deployType: 3 });
    await podsRun(image('1.0'));
    expect(await latestRevision()).toMatchObject({ version: 3, info: { description: 'Rollback to 1' } });
    const history = arrayAt((await deploys(`/v1/deploy/id/${id}?field=historyVersion`)).json, 'data', 'historyVersion');
    expect(history.map((entry) => [at(entry, 'version'), at(entry, 'deployType')])).toEqual([
      ['1.0', 3],
      ['1.1', 2],
      ['1.0', 1],
    ]);
  });

  it('deletes the deployment: the release is uninstalled, status 9', { timeout: 240_000 }, async () => {
    await deploys(`/v1/deploy/${deployName}`, { method: 'DELETE' });
    expect(await settled(id, [9])).toMatchObject({ status: 9, deployType: 4 });
    await expect(kube().apps.readNamespacedDeployment({ name: deployName, namespace: NAMESPACE })).rejects.toThrow();
    expect(await podImages()).toEqual([]);
  });
});
