import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { signDelivery } from '../../core/hooks/signatures.ts';
import { hookAdminRoutes } from '../../functions/hooks/routes.ts';
import { ADMIN_TOKEN, createHarness, eventually, type Harness } from '../support/harness.ts';
import { call, callRoute } from '../support/http.ts';
import { arrayAt, at, numberAt, objectAt, stringAt } from '../support/json.ts';
import { kube } from '../support/kube.ts';
import { pushTinyImage } from '../support/oci-registry.ts';
import { documentApp, oteCall } from '../support/ote.ts';

/*
 * A hook whose target is an ote-stack deployment: a signed push of the tag an
 * application version runs upgrades the deployment to that version, through
 * the ote-stack upgrade verb, and the pods on the local control plane follow.
 */

let berth: Harness;
const registry = inject('registry');
const suffix = randomBytes(3).toString('hex');
const repository = `ote-hooks-${suffix}/shop/web`;
const registryHost = new URL(registry.url).host;
const image = (tag: string) => `${registryHost}/${repository}:${tag}`;
const deployName = `hooked-${suffix}`;
const digests: Record<string, string> = {};
let deployId: number;

const deploys = (path: string, options: Parameters<typeof call>[2] = {}) => oteCall(berth, 'ote-deploy', path, options);
const deployOf = async () => objectAt((await deploys(`/v1/deploy/id/${deployId}?field=historyVersion`)).json, 'data');
const podImages = async () =>
  (
    await kube().core.listNamespacedPod({ namespace: 'berth-ote', labelSelector: `berth.dev/ote-deploy=${deployName}` })
  ).items
    .filter((pod) => !pod.metadata?.deletionTimestamp)
    .map((pod) => pod.spec?.containers[0]?.image);

beforeAll(async () => {
  berth = await createHarness();
  await berth.startWorkers();
  await call(berth.apps.admin, '/admin/clusters', {
    token: ADMIN_TOKEN,
    json: { id: `hk-${suffix}`, name: 'hooks', labels: {}, kubeconfig: inject('kubeconfig') },
  });
  for (const version of ['1.0', '1.1']) {
    digests[version] = await pushTinyImage(registry, repository, `v${version}.0`);
    const created = await oteCall(berth, 'ote-app', '/v1/app', {
      json: {
        ...documentApp,
        appName: `web-${suffix}`,
        projectName: 'shop',
        version,
        image: image(`v${version}.0`),
        repositoryId: undefined,
        replicas: 2,
        isHPA: false,
        port: [{ port: 8080 }],
        volume: [],
      },
    });
    expect(created.status).toBe(201);
  }
  const created = await deploys('/v1/deploy', {
    json: { deployName, appName: `web-${suffix}`, version: '1.0', cluster: `hk-${suffix}`, nodeLabel: '' },
  });
  deployId = numberAt(created.json, 'data', 'id');
  await eventually(async () => ((await deployOf())['status'] === 5 ? true : undefined), { timeoutMs: 90_000 });
}, 180_000);
afterAll(() => berth?.close());

describe('a hook targeting an ote-stack deployment', () => {
  let hookId: string;
  let secret: string;

  it('refuses a target deployment that does not exist', async () => {
    const missing = await callRoute(berth.apps.admin, hookAdminRoutes.createHook, {
      token: ADMIN_TOKEN,
      json: {
        name: 'nowhere',
        source: 'generic',
        image: `${registryHost}/${repository}`,
        policy: { type: 'semver' },
        targets: [{ kind: 'ote-stack-deployment', deploy_id: 999_999 }],
      },
    });
    expect(missing.status).toBe(400);
    expect(stringAt(missing.json, 'description')).toBe('targets.0: ote-stack deployment 999999 not found');
  });

  it('upgrades the deployment to the version whose image was pushed; pods follow, history names the hook', async () => {
    const created = await callRoute(berth.apps.admin, hookAdminRoutes.createHook, {
      token: ADMIN_TOKEN,
      json: {
        name: 'web on push',
        source: 'generic',
        image: `${registryHost}/${repository}`,
        policy: { type: 'semver', range: '>=1.0.0' },
        targets: [{ kind: 'ote-stack-deployment', deploy_id: deployId }],
        health_timeout_seconds: 60,
      },
    });
    expect(created.status).toBe(201);
    expect(arrayAt(created.json, 'targets')).toEqual([{ kind: 'ote-stack-deployment', deploy_id: deployId }]);
    hookId = stringAt(created.json, 'id');
    secret = stringAt(created.json, 'secret');

    const body = JSON.stringify({ image: `${registryHost}/${repository}`, tag: 'v1.1.0', digest: digests['1.1'] });
    const headers = signDelivery({ scheme: 'hmac', secret, body: Buffer.from(body), id: 'x', now: new Date() });
    const answer = await call(berth.apps.hooks, `/hooks/${hookId}`, { body, headers });
    expect(answer.status, answer.text).toBe(202);

    await eventually(
      async () => {
        const images = await podImages();
        return images.length === 2 && images.every((entry) => entry === image('v1.1.0')) ? true : undefined;
      },
      { timeoutMs: 60_000 },
    );
    const recordId = stringAt(answer.json, 'record_id');
    const stages = await eventually(async () => {
      const read = await callRoute(berth.apps.admin, hookAdminRoutes.getHookDelivery, {
        token: ADMIN_TOKEN,
        params: { id: hookId, recordId },
      });
      const list = arrayAt(read.json, 'stages').map((stage) => objectAt(stage));
      return list.some((stage) => stage['stage'] === 'health') ? list : undefined;
    });
    expect(stages.map((stage) => [stage['stage'], stage['from']])).toEqual([
      ['plan', image('v1.0.0')],
      ['rollout', image('v1.0.0')],
      ['health', image('v1.0.0')],
    ]);
    expect(stages[1]?.['detail']).toBe(
      `ote-stack deployment ${deployId} (${deployName}) upgraded to web-${suffix} 1.1`,
    );

    const deploy = await deployOf();
    expect(deploy).toMatchObject({ status: 5, version: '1.1', deployType: 2 });
    // An admin-made hook acts with the admin's authority: recorded by its name, no audit asked.
    expect(at(deploy, 'historyVersion', 0)).toMatchObject({
      version: '1.1',
      user: 'hook:web on push',
      audit: 'not needed',
    });
    expect(at((await deploys('/v1/admin/deploy')).json, 'total')).toBe(0);
  });

  it('does not move the deployment for a tag no version of its application runs', async () => {
    const body = JSON.stringify({
      image: `${registryHost}/${repository}`,
      tag: 'v1.2.0',
      digest: `sha256:${'e'.repeat(64)}`,
    });
    const headers = signDelivery({ scheme: 'hmac', secret, body: Buffer.from(body), id: 'x', now: new Date() });
    const answer = await call(berth.apps.hooks, `/hooks/${hookId}`, { body, headers });
    expect(answer.status, answer.text).toBe(202);
    const recordId = stringAt(answer.json, 'record_id');
    const failed = await eventually(async () => {
      const read = await callRoute(berth.apps.admin, hookAdminRoutes.getHookDelivery, {
        token: ADMIN_TOKEN,
        params: { id: hookId, recordId },
      });
      return arrayAt(read.json, 'stages')
        .map((stage) => objectAt(stage))
        .find((stage) => stage['stage'] === 'failed');
    });
    expect(failed['detail']).toBe(
      `application version "web-${suffix} with image ${registryHost}/${repository}:v1.2.0" not found`,
    );
    expect(await deployOf()).toMatchObject({ status: 5, version: '1.1' });
  });
});
