import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { ADMIN_TOKEN, createHarness, type Harness } from '../support/harness.ts';
import { call } from '../support/http.ts';
import { localControlPlane } from '../support/kube.ts';
import { UNREACHABLE_SERVER, kubeconfigFor } from '../support/kubeconfigs.ts';
import { numberAt } from '../support/json.ts';

let berth: Harness;
beforeAll(async () => {
  berth = await createHarness({ clusterTimeoutMs: 3000 });
  await call(berth.apps.admin, '/admin/clusters', {
    token: ADMIN_TOKEN,
    json: { id: 'default', name: 'test', kubeconfig: inject('kubeconfig') },
  });
});
afterAll(() => berth.close());

// A deployment no cluster has, so the answer before and after the outage is the same on kind or k3d too.
const absent = `absent-${Date.now()}`;
const getPod = () =>
  call(berth.apps['k8s-service'], `/v1/k8sservice/getPod?msgId=42&namespace=default&deploymentName=${absent}`, {
    token: ADMIN_TOKEN,
  });
const QUERY_FAILED =
  '[ERROR] K8sRestService error, check your request and parameters first, or contact the administrator. ';

describe('when the API server goes away mid-test', () => {
  it('answers code 500 with the documented message within the timeout, and recovers when it is back', async () => {
    const before = await getPod();
    expect(before.json).toMatchObject({ code: 201, message: expect.stringContaining(absent) }); // the cluster answers

    const plane = await localControlPlane();
    if (plane) {
      await plane.stopApiServer();
    } else {
      // On an external cluster (BERTH_TEST_KUBECONFIG) the outage is simulated from Berth's side.
      await call(berth.apps.admin, '/admin/clusters/default', {
        method: 'PATCH',
        token: ADMIN_TOKEN,
        json: { kubeconfig: kubeconfigFor({ server: UNREACHABLE_SERVER }) },
      });
    }
    try {
      const started = Date.now();
      const during = await getPod();
      expect(Date.now() - started).toBeLessThan(6000);
      expect(during.status).toBe(200);
      expect(during.json).toMatchObject({ code: 500, message: QUERY_FAILED, msgId: '42' });
    } finally {
      if (plane) await plane.startApiServer();
      else
        await call(berth.apps.admin, '/admin/clusters/default', {
          method: 'PATCH',
          token: ADMIN_TOKEN,
          json: { kubeconfig: inject('kubeconfig') },
        });
    }

    const after = await getPod();
    expect(numberAt(after.json, 'code')).toBe(201);
  });
});
