import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { POD_LOG_LINES } from '../../core/orders/order-pod.ts';
import { ADMIN_TOKEN, createHarness, eventually, type Harness } from '../support/harness.ts';
import { call } from '../support/http.ts';
import { kube, localControlPlane } from '../support/kube.ts';

let berth: Harness;
/** Host ports of this run, away from the document's 2999 so that runs on a shared cluster do not collide. */
const port = 20000 + randomInt(0, 20000);
const orders: string[] = [];

const admin = (path: string, options: Parameters<typeof call>[2] = {}) =>
  call(berth.apps.admin, path, { token: ADMIN_TOKEN, ...options });
const withSecret = (secret: string, path: string, options: Parameters<typeof call>[2] = {}) =>
  call(berth.apps['v-kube'], path, { ...options, headers: { secret, ...options.headers } });
const deploy = (secret: string, body: unknown) => withSecret(secret, '/api/v1/k8s/deploy', { json: body });
const checkPorts = (region: string, ports: number[]) =>
  call(berth.apps['v-kube'], '/k8s/checkports', { json: { region, ports } });

async function newOrder(region: string, resourceUnit = '2-Unit-Resource', duration = 3600) {
  const created = await admin('/admin/vkube/orders', {
    json: { duration, region, serviceOptions: { resourceUnit } },
  });
  expect(created.status).toBe(201);
  orders.push(created.json.id);
  return created.json as { id: string; secret: string; namespace: string };
}

/** The document's deploy example, in a region of the test cluster and on this run's host port. */
const documentedDeploy = (region: string, hostPort: number) => ({
  nodeSelector: { region },
  containers: [
    { name: 'container1', imageName: 'nginx', ports: [{ containerPort: 80, hostPort }], resource: { memory: '100Mi' } },
  ],
});

/** The order's running pod, read without Berth. */
const runningPodOf = (namespace: string, image?: string) =>
  eventually(
    async () => {
      const pods = (await kube().core.listNamespacedPod({ namespace })).items;
      const [pod] = pods;
      return pods.length === 1 &&
        pod!.status?.phase === 'Running' &&
        !pod!.metadata?.deletionTimestamp &&
        (image === undefined || pod!.spec?.containers[0]?.image === image)
        ? pod
        : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  );

let north: Awaited<ReturnType<typeof newOrder>>;

beforeAll(async () => {
  berth = await createHarness();
  await admin('/admin/clusters', { json: { id: 'local', name: 'local', kubeconfig: inject('kubeconfig') } });
  north = await newOrder('cn-north');
});
afterAll(async () => {
  for (const id of orders) await admin(`/admin/vkube/orders/${id}`, { method: 'DELETE' });
  await berth.close();
});

describe('POST /api/v1/k8s/deploy', () => {
  it('deploys the document’s example as one pod on a node of the region, holding its host port', async () => {
    const response = await deploy(north.secret, documentedDeploy('cn-north', port));
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ status: 'OK' });

    const pod = await runningPodOf(north.namespace);
    const node = await kube().core.readNode({ name: pod.spec!.nodeName! });
    expect(node.metadata?.labels?.['region']).toBe('cn-north');
    expect(pod.spec?.nodeSelector).toEqual({ region: 'cn-north' });
    expect(pod.spec?.containers).toEqual([
      expect.objectContaining({
        name: 'container1',
        image: 'nginx',
        ports: [{ containerPort: 80, hostPort: port, protocol: 'TCP' }],
        resources: { limits: { memory: '100Mi' }, requests: { memory: '100Mi' } },
      }),
    ]);
    expect((await checkPorts('cn-north', [port, port + 1])).json).toEqual({
      occupied: [port],
      status: 'PortsOccupied',
    });
  });

  it('refuses a host port another order holds in the region with a 409 naming it, and applies nothing', async () => {
    const other = await newOrder('cn-north');
    const response = await deploy(other.secret, documentedDeploy('cn-north', port));
    expect(response.status).toBe(409);
    expect(response.json).toEqual({
      error: { code: 409, message: `host ports already occupied in region "cn-north": ${port}; nothing was deployed` },
    });
    const namespaces = (await kube().core.listNamespace()).items.map((item) => item.metadata!.name);
    expect(namespaces).not.toContain(other.namespace);

    const elsewhere = await newOrder('cn-south');
    expect((await deploy(elsewhere.secret, documentedDeploy('cn-south', port))).status).toBe(200);
  });

  it('lets only one of two orders racing for the same free host port have it', async () => {
    const [first, second] = await Promise.all([newOrder('cn-north'), newOrder('cn-north')]);
    const racePort = port + 10;
    const answers = await Promise.all([
      deploy(first.secret, documentedDeploy('cn-north', racePort)),
      deploy(second.secret, documentedDeploy('cn-north', racePort)),
    ]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409]);
    expect(answers.find((answer) => answer.status === 409)!.json.error.message).toContain(String(racePort));
  });

  it('takes command and args one per line, as the document writes them', async () => {
    const order = await newOrder('cn-south');
    const body = documentedDeploy('cn-south', port + 20);
    const response = await deploy(order.secret, {
      ...body,
      containers: [
        {
          ...body.containers[0],
          command: '/bin/sh\n-c\ntail -f /dev/null',
          args: '--vm\n1\n--vm-bytes\n500M\n--vm-hang\n1',
        },
      ],
    });
    expect(response.status).toBe(200);
    const pod = await runningPodOf(order.namespace);
    expect(pod.spec?.containers[0]?.command).toEqual(['/bin/sh', '-c', 'tail -f /dev/null']);
    expect(pod.spec?.containers[0]?.args).toEqual(['--vm', '1', '--vm-bytes', '500M', '--vm-hang', '1']);
  });

  it('refuses memory over the order’s budget with a 400 naming the total and the budget, and takes it at the budget', async () => {
    const order = await newOrder('cn-south', '1-Unit-Resource');
    const containers = (memory: [string, string]) =>
      memory.map((size, index) => ({ name: `c${index}`, imageName: 'nginx', resource: { memory: size } }));
    const over = await deploy(order.secret, {
      nodeSelector: { region: 'cn-south' },
      containers: containers(['600Mi', '500Mi']),
    });
    expect(over.status).toBe(400);
    expect(over.json.error.code).toBe(400);
    expect(over.json.error.message).toContain('1100Mi');
    expect(over.json.error.message).toContain('1Gi');
    const namespaces = (await kube().core.listNamespace()).items.map((item) => item.metadata!.name);
    expect(namespaces).not.toContain(order.namespace);

    const atBudget = await deploy(order.secret, {
      nodeSelector: { region: 'cn-south' },
      containers: containers(['0.5Gi', '512Mi']),
    });
    expect(atBudget.status).toBe(200);
  });

  it.each([
    ['another region than the order’s', { nodeSelector: { region: 'cn-south' } }, 'nodeSelector.region'],
    ['no containers', { containers: [] }, 'containers'],
    [
      'memory in another unit',
      { containers: [{ name: 'a', imageName: 'nginx', resource: { memory: '1G' } }] },
      'memory',
    ],
    ['no region', { nodeSelector: {} }, 'nodeSelector.region'],
  ])('answers %s with a 400 naming the field', async (_, change, field) => {
    const response = await deploy(north.secret, { ...documentedDeploy('cn-north', port), ...change });
    expect(response.status).toBe(400);
    expect(response.json.error.message).toContain(field);
  });

  it('answers a missing or wrong secret with a 401 before reading the body', async () => {
    const refusal = { error: { code: 401, message: 'a valid order secret is required in the secret header' } };
    for (const secret of ['', 'wrong']) {
      const response = await deploy(secret, { nonsense: true });
      expect(response.status).toBe(401);
      expect(response.json).toEqual(refusal);
    }
  });
});

describe('GET /k8s/pod/status', () => {
  it('answers the pod’s name, status and spec in the documented shape, from the real pod', async () => {
    const pod = await runningPodOf(north.namespace);
    const response = await withSecret(north.secret, '/k8s/pod/status');
    expect(response.status).toBe(200);
    expect(Object.keys(response.json).sort()).toEqual(['annotations', 'name', 'podSpec', 'podStatus']);
    expect(response.json.name).toBe(pod.metadata!.name);
    expect(response.json.podStatus).toMatchObject({
      phase: 'Running',
      hostIP: pod.status!.hostIP,
      podIP: pod.status!.podIP,
      podIPs: [{ ip: pod.status!.podIP }],
      qosClass: 'Burstable',
    });
    expect(response.json.podStatus.conditions.map((condition: { type: string }) => condition.type)).toEqual(
      expect.arrayContaining(['Initialized', 'Ready', 'ContainersReady', 'PodScheduled']),
    );
    expect(response.json.podSpec).toMatchObject({
      nodeSelector: { region: 'cn-north' },
      nodeName: pod.spec!.nodeName,
      restartPolicy: 'Always',
      containers: [
        {
          name: 'container1',
          image: 'nginx',
          ports: [{ containerPort: 80, hostPort: port, protocol: 'TCP' }],
          resources: { limits: { memory: '100Mi' }, requests: { memory: '100Mi' } },
        },
      ],
    });
  });

  it('answers an order that has not deployed yet with a 404', async () => {
    const order = await newOrder('cn-north');
    const response = await withSecret(order.secret, '/api/v1/k8s/pod/status');
    expect(response.status).toBe(404);
    expect(response.json.error.message).toContain('no pod yet');
  });
});

describe('GET /k8s/pod/log', () => {
  it('answers the log kwok serves for the pod, as one JSON string of its last lines', async () => {
    const pod = await runningPodOf(north.namespace);
    // kwok serves one log file for every container; only the local control plane lets a test write to it.
    const plane = await localControlPlane();
    const marker = `vkube-log-${port}`;
    if (plane)
      await plane.appendLog(Array.from({ length: POD_LOG_LINES + 5 }, (_, index) => `${marker} ${index}`).join('\n'));

    const response = await withSecret(north.secret, '/k8s/pod/log');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(typeof response.json).toBe('string');
    const lines = (response.json as string).split('\n').filter((line) => line !== '');
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.length).toBeLessThanOrEqual(POD_LOG_LINES);
    const fromCluster = await kube().core.readNamespacedPodLog({
      name: pod.metadata!.name!,
      namespace: north.namespace,
      container: 'container1',
    });
    expect(fromCluster.split('\n')).toEqual(expect.arrayContaining(lines));
    if (plane) {
      expect(lines).toHaveLength(POD_LOG_LINES);
      expect(lines.at(-1)).toBe(`${marker} ${POD_LOG_LINES + 4}`);
      expect(lines).not.toContain(`${marker} 4`);
    }
  });

  it('answers a container the pod does not have with a 404', async () => {
    const response = await withSecret(north.secret, '/k8s/pod/log?container=nope');
    expect(response.status).toBe(404);
  });
});

describe('a second deploy', () => {
  it('replaces the first: one pod, the new image and port, and the old port free again', async () => {
    const response = await deploy(north.secret, {
      nodeSelector: { region: 'cn-north' },
      containers: [
        { name: 'web', imageName: 'nginx:1.27', ports: [{ hostPort: port + 1 }], resource: { memory: '1Gi' } },
      ],
    });
    expect(response.status).toBe(200);
    const pod = await runningPodOf(north.namespace, 'nginx:1.27');
    expect(pod.spec?.containers.map((container) => container.name)).toEqual(['web']);
    expect(pod.spec?.containers[0]?.ports).toEqual([{ containerPort: port + 1, hostPort: port + 1, protocol: 'TCP' }]);
    const status = await withSecret(north.secret, '/k8s/pod/status');
    expect(status.json.name).toBe(pod.metadata!.name);
    expect((await checkPorts('cn-north', [port, port + 1])).json).toEqual({
      occupied: [port + 1],
      status: 'PortsOccupied',
    });
  });
});
