import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { ADMIN_TOKEN, createHarness, eventually, type Harness } from '../support/harness.ts';
import { call } from '../support/http.ts';
import { kube } from '../support/kube.ts';
import { pushTinyImage } from '../support/oci-registry.ts';
import { documentApp, oteCall, userToken } from '../support/ote.ts';

let berth: Harness;
let user: string;
const registry = inject('registry');
const suffix = randomBytes(3).toString('hex');
const NAMESPACE = 'berth-ote';
const image = (tag: string) => `${new URL(registry.url).host}/ote-deploys-${suffix}/shop/web:${tag}`;
const apps = (path: string, options: Parameters<typeof call>[2] = {}) => oteCall(berth, 'ote-app', path, options);
const deploys = (path: string, options: Parameters<typeof call>[2] = {}) => oteCall(berth, 'ote-deploy', path, options);
/** A hostPort of this file's own, so parallel files never collide. */
const hostPort = 20000 + Math.floor(Math.random() * 20000);

const app = (version: string, changes: Record<string, unknown> = {}) => ({
  ...documentApp,
  appName: `web-${suffix}`,
  projectName: 'shop',
  version,
  image: image(`v${version}`),
  repositoryId: undefined,
  replicas: 2,
  isHPA: false,
  port: [{ port: 8080 }],
  volume: [{ path: '/data', hostPath: '/tmp', readOnly: true }],
  ...changes,
});

const settled = (id: number, statuses: number[] = [5, 6, 7, 8, 9]) =>
  eventually(
    async () => {
      const { data } = (await deploys(`/v1/deploy/id/${id}`)).json;
      return statuses.includes(data.status) ? data : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 300 },
  );
const podsOf = async (deployName: string) =>
  (
    await kube().core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: `berth.dev/ote-deploy=${deployName}` })
  ).items.filter((pod) => !pod.metadata?.deletionTimestamp);
const pendingAuditOf = async (deployId: number) =>
  (await deploys('/v1/admin/deploy?pageSize=0')).json.data.find((audit: any) => audit.deployId === deployId);

beforeAll(async () => {
  berth = await createHarness();
  await berth.startWorkers();
  const kubeconfig = inject('kubeconfig');
  // The one local control plane, registered twice with different labels.
  for (const [id, zone] of [
    ['edge', 'edge'],
    ['core', 'core'],
  ])
    await call(berth.apps.admin, '/admin/clusters', {
      token: ADMIN_TOKEN,
      json: { id, name: id, labels: { zone }, kubeconfig },
    });
  for (const version of ['1.0', '1.1']) {
    await pushTinyImage(registry, `ote-deploys-${suffix}/shop/web`, `v${version}`);
    const created = await apps('/v1/app', { json: app(version) });
    expect(created.status).toBe(201);
  }
  user = await userToken(berth, ['shop']);
});
afterAll(() => berth.close());

describe('a user deployment through audit', () => {
  const deployName = `web-${suffix}`;
  let id: number;

  it('records a user-token deployment as pending (0), not editable, listed for audit', async () => {
    const created = await deploys('/v1/deploy/install', {
      token: user,
      json: {
        deployName,
        appName: `web-${suffix}`,
        version: '1.0',
        cluster: 'zone=edge',
        nodeLabel: 'region=cn-north',
        comment: 'first',
      },
    });
    expect(created.status).toBe(201);
    expect(created.json.data).toMatchObject({ deployName, version: '1.0', deployType: 1, status: 0, editable: false });
    id = created.json.data.id;
    const audit = await pendingAuditOf(id);
    expect(audit).toEqual({
      id: expect.any(Number),
      businessName: 'shop',
      appName: `web-${suffix}`,
      version: '1.0',
      cluster: 'zone=edge',
      deployId: id,
      deployType: 1,
      status: 0,
      comment: 'first',
      createTime: expect.any(Number),
      updateTime: expect.any(Number),
    });
    expect((await deploys(`/v1/admin/deploy?businessName=other`)).json.total).toBe(0);
    expect((await deploys('/v1/admin/deploy', { token: user })).status).toBe(403);
    // Nothing is applied before the audit.
    expect(await podsOf(deployName)).toHaveLength(0);
    const second = await deploys(`/v1/deploy/id/${id}`, { token: user, json: { version: '1.1' } });
    expect(second.status).toBe(409);
  });

  it('runs on the matching cluster’s nodes once approved, and counts its pods', async () => {
    const audit = await pendingAuditOf(id);
    const approved = await deploys('/v1/admin/deploy', {
      method: 'PUT',
      json: { id: audit.id, status: 1, comment: 'ok' },
    });
    expect(approved.json.code).toBe(200);
    const again = await deploys('/v1/admin/deploy', { json: { id: audit.id, status: 2, comment: 'late' } });
    expect(again.status).toBe(409);

    const deploy = await settled(id);
    expect(deploy).toMatchObject({ status: 5, editable: true, auditComment: 'ok' });
    // Registered as "edge" only: the "core" registration of the same cluster is not a target.
    expect(JSON.parse(deploy.errorMessage)).toEqual({ running: 2, error: 0, total: 2 });
    const pods = await podsOf(deployName);
    expect(pods).toHaveLength(2);
    for (const pod of pods) {
      expect(pod.spec?.nodeName).toBe('kwok-node-a');
      expect(pod.spec?.containers[0]?.image).toBe(image('v1.0'));
    }
  });

  it('upgrades: pods follow the new image', async () => {
    const upgrade = await deploys(`/v1/deploy/id/${id}`, { token: user, json: { version: '1.1', comment: 'up' } });
    expect(upgrade.json.data).toMatchObject({ status: 0, deployType: 2 });
    const audit = await pendingAuditOf(id);
    expect(audit).toMatchObject({ deployType: 2, version: '1.1' });
    await deploys('/v1/admin/deploy', { json: { id: audit.id, status: 1, comment: 'go' } });
    const deploy = await settled(id);
    expect(deploy).toMatchObject({ status: 5, version: '1.1', deployType: 2 });
    await eventually(async () => {
      const pods = await podsOf(deployName);
      return pods.length === 2 && pods.every((pod) => pod.spec?.containers[0]?.image === image('v1.1'))
        ? true
        : undefined;
    });
  });

  it('rolls back to a version it ran, and refuses one it never ran', async () => {
    const never = await deploys(`/v1/deploy/id/${id}`, {
      method: 'PUT',
      token: user,
      json: { version: '9.9', comment: '' },
    });
    expect(never.status).toBe(400);
    expect(never.json.message).toContain('never deployed version 9.9');
    const back = await deploys(`/v1/deploy/id/${id}`, {
      method: 'PUT',
      token: user,
      json: { version: '1.0', comment: 'back' },
    });
    expect(back.json.data).toMatchObject({ status: 0, deployType: 3 });
    await deploys('/v1/admin/deploy', { json: { id: (await pendingAuditOf(id)).id, status: 1, comment: 'fine' } });
    expect(await settled(id)).toMatchObject({ status: 5, version: '1.0', deployType: 3 });
    await eventually(async () => {
      const pods = await podsOf(deployName);
      return pods.length === 2 && pods.every((pod) => pod.spec?.containers[0]?.image === image('v1.0'))
        ? true
        : undefined;
    });
  });

  it('answers field=historyVersion with every version deployed, newest first, with who, when and the audit', async () => {
    const { data } = (await deploys(`/v1/deploy/id/${id}?field=historyVersion`)).json;
    expect(data.historyVersion.map((entry: any) => [entry.version, entry.deployType, entry.comment])).toEqual([
      ['1.0', 3, 'back'],
      ['1.1', 2, 'up'],
      ['1.0', 1, 'first'],
    ]);
    expect(data.historyVersion[2]).toMatchObject({
      user: 'user-shop',
      audit: 'approved',
      auditComment: 'ok',
      auditUser: 'admin',
    });
    const picked = (await deploys(`/v1/deploy/id/${id}?field=status,version`)).json.data;
    expect(picked).toEqual({ status: 5, version: '1.0' });
  });

  it('keeps another project’s token out', async () => {
    const other = await userToken(berth, ['elsewhere']);
    expect((await deploys(`/v1/deploy/id/${id}`, { token: other })).status).toBe(404);
    expect((await deploys('/v1/deploy', { token: other })).json.total).toBe(0);
    expect((await deploys(`/v1/deploy/${deployName}`, { method: 'DELETE', token: other })).status).toBe(404);
  });

  it('deletes by name: objects gone, status 9', async () => {
    const deleted = await deploys(`/v1/deploy/${deployName}`, { method: 'DELETE', token: user });
    expect(deleted.json.data).toMatchObject({ status: 0, deployType: 4 });
    await deploys('/v1/admin/deploy', { json: { id: (await pendingAuditOf(id)).id, status: 1, comment: 'bye' } });
    expect(await settled(id, [9])).toMatchObject({ status: 9, deployType: 4 });
    expect(await podsOf(deployName)).toHaveLength(0);
    await expect(kube().apps.readNamespacedDeployment({ name: deployName, namespace: NAMESPACE })).rejects.toThrow();
    const list = (await deploys(`/v1/deploy?appName=web-${suffix}&appNameMode=strict`)).json;
    expect(list.data.map((deploy: any) => deploy.status)).toEqual([9]);
  });
});

describe('decisions and failures', () => {
  it('a disapproved deployment never touches the cluster', async () => {
    const deployName = `no-${suffix}`;
    const created = await deploys('/v1/deploy', {
      token: user,
      json: { deployName, appName: `web-${suffix}`, version: '1.0', cluster: 'edge', nodeLabel: '', comment: '' },
    });
    const id = created.json.data.id;
    const audit = await pendingAuditOf(id);
    await deploys('/v1/admin/deploy', { method: 'PUT', json: { id: audit.id, status: 2, comment: 'no pass' } });
    const { data } = (await deploys(`/v1/deploy/id/${id}?field=historyVersion`)).json;
    expect(data).toMatchObject({ status: 2, auditComment: 'no pass', editable: true });
    expect(data.historyVersion[0]).toMatchObject({ audit: 'disapproved', auditComment: 'no pass' });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await expect(kube().apps.readNamespacedDeployment({ name: deployName, namespace: NAMESPACE })).rejects.toThrow();
  });

  it('counts a failing pod in errorMessage: status 6 when a replica cannot be placed', async () => {
    await apps('/v1/app', { json: app('3.0', { replicas: 3, port: [{ port: 8080, hostPort }] }) });
    const deployName = `ports-${suffix}`;
    // An admin's deployment is approved at once.
    const created = await deploys('/v1/deploy', {
      json: { deployName, appName: `web-${suffix}`, version: '3.0', cluster: 'edge', nodeLabel: '', comment: '' },
    });
    expect(created.json.data).toMatchObject({ status: 1 });
    // Two nodes, one hostPort: the third replica stays unschedulable.
    const deploy = await settled(created.json.data.id);
    expect(deploy.status).toBe(6);
    expect(JSON.parse(deploy.errorMessage)).toEqual({ running: 2, error: 1, total: 3 });

    const clash = await deploys('/v1/deploy', {
      json: {
        deployName: `clash-${suffix}`,
        appName: `web-${suffix}`,
        version: '3.0',
        cluster: 'edge',
        nodeLabel: '',
        comment: '',
      },
    });
    expect(clash.status).toBe(409);
    expect(clash.json.message).toContain(`hostPort ${hostPort} is already used on node`);
    expect(clash.json.message).toContain(deployName);

    const appId = (await apps(`/v1/app?appName=web-${suffix}&version=3.0`)).json.data[0].id;
    const inUse = await apps('/v1/app', { method: 'DELETE', json: { appId: [appId] } });
    expect(inUse.status).toBe(409);
    expect(inUse.json.message).toContain(deployName);

    await deploys(`/v1/deploy/id/${created.json.data.id}`, { method: 'DELETE' });
    expect(await settled(created.json.data.id, [9])).toMatchObject({ status: 9 });
  });

  it('answers unknown applications, versions, clusters and deployments with clear 4xx', async () => {
    const base = {
      deployName: `x-${suffix}`,
      appName: `web-${suffix}`,
      version: '1.0',
      cluster: '',
      nodeLabel: '',
      comment: '',
    };
    expect((await deploys('/v1/deploy', { json: { ...base, version: '7.7' } })).json).toEqual({
      code: 404,
      message: `application "web-${suffix} 7.7" not found`,
    });
    expect((await deploys('/v1/deploy', { json: { ...base, cluster: 'zone=mars' } })).json).toEqual({
      code: 400,
      message: 'no registered cluster matches cluster "zone=mars"',
    });
    expect((await deploys('/v1/deploy/id/999999')).json).toEqual({
      code: 404,
      message: 'deployment "999999" not found',
    });
    expect((await deploys('/v1/admin/deploy', { json: { id: 999999, status: 1, comment: '' } })).json).toEqual({
      code: 404,
      message: 'audit "999999" not found',
    });
    expect((await deploys('/v1/admin/deploy', { json: { id: 1, status: 0, comment: '' } })).status).toBe(400);
  });
});
