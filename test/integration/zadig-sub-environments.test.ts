import { randomBytes } from 'node:crypto';
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ADMIN_TOKEN, createHarness, eventually, type Harness } from '../support/harness.ts';
import { call } from '../support/http.ts';
import { kube, runningPods } from '../support/kube.ts';
import { kubeconfigFor, UNREACHABLE_SERVER } from '../support/kubeconfigs.ts';
import { environmentClient, seedEnvironmentWorld } from '../support/zadig-environment.ts';
import { at, stringAt } from '../support/json.ts';

let berth: Harness;
const suffix = randomBytes(3).toString('hex');
const namespaces = { dev: `share-dev-${suffix}`, mesh: `share-mesh-${suffix}`, bare: `share-bare-${suffix}` };
const { zadig, settled } = environmentClient(() => berth);

function customObjects() {
  const config = new KubeConfig();
  config.loadFromString(inject('kubeconfig'));
  return config.makeApiClient(CustomObjectsApi);
}
const istio = (version: string, plural: string) => ({ group: 'networking.istio.io', version, plural });
const virtualService = (namespace: string, name: string) =>
  customObjects().getNamespacedCustomObject({ ...istio('v1beta1', 'virtualservices'), namespace, name });
const listShared = async (namespace: string, plural: 'virtualservices' | 'gateways') =>
  (
    (await customObjects().listNamespacedCustomObject({
      ...istio('v1beta1', plural),
      namespace,
      labelSelector: 'berth.dev/share-env',
    })) as { items: Array<{ metadata: { name: string } }> }
  ).items
    .map((item) => item.metadata.name)
    .sort();
const envoyFilter = () =>
  customObjects()
    .getNamespacedCustomObject({
      ...istio('v1alpha3', 'envoyfilters'),
      namespace: 'istio-system',
      name: 'berth-share-env',
    })
    .catch(() => undefined);
const namespaceLabels = async (name: string) => (await kube().core.readNamespace({ name })).metadata?.labels ?? {};

async function createEnvironment(project: string, envKey: string, namespace: string, services: string[]) {
  const created = await zadig(`/openapi/environments?projectKey=${project}`, {
    json: {
      env_key: envKey,
      cluster_id: 'local',
      namespace,
      registry_id: 'harbor',
      services: services.map((service_name) => ({ service_name })),
    },
  });
  expect(created.status).toBe(200);
  expect((await settled(stringAt(created.json, 'operation_id'))).state).toBe('success');
}

const rawService = (project: string, name: string, yaml: string) =>
  call(berth.apps['zadig-service'], `/openapi/service/yaml/raw?projectKey=${project}`, {
    token: ADMIN_TOKEN,
    json: { service_name: name, yaml },
  });

/** A Deployment without a Service. */
const bareDeployment = (name: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ${name}}\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: ${name}}}\n  template:\n    metadata: {labels: {app: ${name}}}\n    spec:\n      containers: [{name: ${name}, image: "${name}:1"}]\n`;
/** A workload whose pods carry `istio-proxy` from their template: what an injected pod looks like (kwok runs no injector). */
const meshedYaml = `${bareDeployment('meshed').replace('containers: [{name: meshed, image: "meshed:1"}]', 'containers: [{name: meshed, image: "meshed:1"}, {name: istio-proxy, image: "istio/proxyv2:1.31.4"}]')}---\napiVersion: v1\nkind: Service\nmetadata: {name: meshed}\nspec: {selector: {app: meshed}, ports: [{port: 80}]}\n`;

/** The readiness answer once it stops changing into what `expected` says. */
const readiness = (envKey: string, op: string, expected: Record<string, unknown>, project = 'share') =>
  eventually(
    async () => {
      const answer = await zadig(`/openapi/environments/${envKey}/check/sharenv/${op}/ready?projectKey=${project}`);
      expect(answer.status).toBe(200);
      return JSON.stringify(answer.json) === JSON.stringify(expected) ? answer.json : undefined;
    },
    { timeoutMs: 100_000, intervalMs: 300 },
  );

// The spec's example answer: a namespace that does not share, its workloads up and each behind a Service.
const notShared = {
  is_ready: true,
  checks: {
    namespace_has_istio_label: false,
    virtualservice_deployed: false,
    pods_have_istio_proxy: false,
    workloads_ready: true,
    workloads_have_k8s_service: true,
  },
};
const portalBody = [
  { host: 'zcms-a-b1.8slan.com', port_number: 80, port_protocol: 'HTTP' },
  { host: 'a.zicemoshi-helm-env-dev', port_number: 80, port_protocol: 'HTTP' },
];

beforeAll(async () => {
  berth = await createHarness();
  await berth.startWorkers();

  await seedEnvironmentWorld(berth, 'share');
  expect((await rawService('share', 'meshed', meshedYaml)).status).toBe(200);
  await call(berth.apps['zadig-service'], '/openapi/projects/project', {
    token: ADMIN_TOKEN,
    json: { project_key: 'bare', project_name: 'bare', project_type: 'yaml' },
  });
  for (const name of ['service1', 'service2'])
    expect((await rawService('bare', name, bareDeployment(name))).status).toBe(200);

  await Promise.all([
    createEnvironment('share', 'dev', namespaces.dev, ['service1', 'service2']),
    createEnvironment('share', 'mesh', namespaces.mesh, ['meshed']),
    createEnvironment('bare', 'dev', namespaces.bare, ['service1', 'service2']),
  ]);
  await Promise.all([
    runningPods(namespaces.dev, 'app in (service1,service2)', 2, 150_000),
    runningPods(namespaces.mesh, 'app=meshed', 1, 150_000),
    runningPods(namespaces.bare, 'app in (service1,service2)', 2, 150_000),
  ]);
}, 300_000);

afterAll(async () => {
  for (const name of Object.values(namespaces))
    await kube()
      .core.deleteNamespace({ name })
      .catch(() => undefined);
  await kube()
    .core.deleteNamespacedService({ name: 'istio-ingressgateway', namespace: 'istio-system' })
    .catch(() => undefined);
  await berth.close();
});

describe("Check Workload's K8S Service", () => {
  it('lists the workloads no Service selects (the spec example, sorted)', async () => {
    const answer = await zadig('/openapi/environments/dev/check/workloads/k8sservices?projectKey=bare');
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual(['service1.Deployment', 'service2.Deployment']);
  });

  it('is empty when every workload has its Service, and answers under Zadig’s server spelling too', async () => {
    expect((await zadig('/openapi/environments/dev/check/workloads/k8sservices?projectKey=share')).json).toEqual([]);
    expect((await zadig('/openapi/environments/dev/check/workloads/k8services?projectKey=bare')).json).toEqual([
      'service1.Deployment',
      'service2.Deployment',
    ]);
  });
});

// Restarts roll pods: give the readiness checks time on a busy cluster.
describe('sharing an environment', { timeout: 120_000 }, () => {
  it('reads the spec’s readiness example before sharing: nothing of the mesh, workloads ready and behind Services', async () => {
    expect(await readiness('dev', 'disable', notShared)).toEqual(notShared);
    // The same checks, judged for enabling: not ready.
    expect((await zadig('/openapi/environments/dev/check/sharenv/enable/ready?projectKey=share')).json).toEqual({
      ...notShared,
      is_ready: false,
    });
  });

  it('enables: labels the namespace, routes each Service, installs the x-env EnvoyFilter, restarts the workloads for injection', async () => {
    const before = await kube().apps.readNamespacedDeployment({ name: 'service1', namespace: namespaces.dev });
    const requested = Date.now();
    const answer = await zadig('/openapi/environments/dev/share/enable?projectKey=share', { method: 'POST' });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ message: 'success' });

    expect(await namespaceLabels(namespaces.dev)).toMatchObject({
      'istio-injection': 'enabled',
      'berth.dev/share-env': 'dev',
    });
    expect(await listShared(namespaces.dev, 'virtualservices')).toEqual(['berth-service1', 'berth-service2']);
    expect(await virtualService(namespaces.dev, 'berth-service1')).toMatchObject({
      metadata: { labels: { 'app.kubernetes.io/managed-by': 'berth', 'berth.dev/share-env': 'dev' } },
      spec: {
        hosts: ['service1'],
        http: [{ route: [{ destination: { host: `service1.${namespaces.dev}.svc.cluster.local` } }] }],
      },
    });
    const filter = (await envoyFilter()) as {
      spec: {
        configPatches: Array<{
          applyTo: string;
          match: { context: string };
          patch: { value: { typed_config: { inlineCode: string } } };
        }>;
      };
    };
    expect(filter.spec.configPatches.map((patch) => [patch.applyTo, patch.match.context])).toEqual([
      ['HTTP_FILTER', 'SIDECAR_INBOUND'],
      ['HTTP_FILTER', 'SIDECAR_OUTBOUND'],
    ]);
    expect(filter.spec.configPatches[1]!.patch.value.typed_config.inlineCode).toContain('headers:add("x-env", value)');

    const after = await kube().apps.readNamespacedDeployment({ name: 'service1', namespace: namespaces.dev });
    const restartedAt = after.spec?.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'];
    expect(Date.parse(restartedAt ?? '')).toBeGreaterThanOrEqual(requested);
    expect(after.metadata?.generation).toBeGreaterThan(before.metadata?.generation ?? 0);
  });

  it('reads the checks change: labelled and routed; kwok injects no sidecar, so enabling is not ready', async () => {
    const enabled = {
      is_ready: false,
      checks: {
        namespace_has_istio_label: true,
        virtualservice_deployed: true,
        pods_have_istio_proxy: false,
        workloads_ready: true,
        workloads_have_k8s_service: true,
      },
    };
    expect(await readiness('dev', 'enable', enabled)).toEqual(enabled);
    expect((await zadig('/openapi/environments/dev/check/sharenv/disable/ready?projectKey=share')).json).toEqual(
      enabled,
    );
  });

  it('is ready for enable once every pod carries istio-proxy', async () => {
    expect((await zadig('/openapi/environments/mesh/share/enable?projectKey=share', { method: 'POST' })).json).toEqual({
      message: 'success',
    });
    const ready = {
      is_ready: true,
      checks: {
        namespace_has_istio_label: true,
        virtualservice_deployed: true,
        pods_have_istio_proxy: true,
        workloads_ready: true,
        workloads_have_k8s_service: true,
      },
    };
    expect(await readiness('mesh', 'enable', ready)).toEqual(ready);
  });

  it('enabling again routes the Services added since, and unroutes those gone', async () => {
    const { core } = kube();
    await core.createNamespacedService({
      namespace: namespaces.dev,
      body: { metadata: { name: 'extra' }, spec: { selector: { app: 'service1' }, ports: [{ port: 81 }] } },
    });
    expect((await zadig('/openapi/environments/dev/share/enable?projectKey=share', { method: 'POST' })).json).toEqual({
      message: 'success',
    });
    expect(await listShared(namespaces.dev, 'virtualservices')).toEqual([
      'berth-extra',
      'berth-service1',
      'berth-service2',
    ]);

    await core.deleteNamespacedService({ name: 'extra', namespace: namespaces.dev });
    // A Service without its VirtualService shows in the checks until sharing is enabled again.
    await core.createNamespacedService({
      namespace: namespaces.dev,
      body: { metadata: { name: 'late' }, spec: { selector: { app: 'service2' }, ports: [{ port: 82 }] } },
    });
    expect(
      at(
        (await zadig('/openapi/environments/dev/check/sharenv/enable/ready?projectKey=share')).json,
        'checks',
        'virtualservice_deployed',
      ),
    ).toBe(false);
    expect((await zadig('/openapi/environments/dev/share/enable?projectKey=share', { method: 'POST' })).status).toBe(
      200,
    );
    expect(await listShared(namespaces.dev, 'virtualservices')).toEqual([
      'berth-late',
      'berth-service1',
      'berth-service2',
    ]);
    expect(
      at(
        (await zadig('/openapi/environments/dev/check/sharenv/enable/ready?projectKey=share')).json,
        'checks',
        'virtualservice_deployed',
      ),
    ).toBe(true);
    await core.deleteNamespacedService({ name: 'late', namespace: namespaces.dev });
    expect((await zadig('/openapi/environments/dev/share/enable?projectKey=share', { method: 'POST' })).status).toBe(
      200,
    );
    expect(await listShared(namespaces.dev, 'virtualservices')).toEqual(['berth-service1', 'berth-service2']);
  });
});

describe('entry service (portal)', () => {
  it('has no servers until one is set; the address is the mesh ingress gateway’s', async () => {
    expect((await zadig('/openapi/environments/dev/share/portal/service1?projectKey=share')).json).toEqual({
      default_gateway_address: '',
      servers: [],
    });
  });

  it('sets the spec example and reads it back, with the ingress gateway’s load-balancer address', async () => {
    const { core } = kube();
    await core.createNamespacedService({
      namespace: 'istio-system',
      body: {
        metadata: { name: 'istio-ingressgateway' },
        spec: { type: 'LoadBalancer', selector: { istio: 'ingressgateway' }, ports: [{ port: 80 }] },
      },
    });
    await core.patchNamespacedServiceStatus({
      name: 'istio-ingressgateway',
      namespace: 'istio-system',
      body: [{ op: 'add', path: '/status/loadBalancer', value: { ingress: [{ ip: '81.69.166.47' }] } }],
    });

    const set = await zadig('/openapi/environments/dev/share/portal/service1?projectKey=share', { json: portalBody });
    expect(set.status).toBe(200);
    expect(set.json).toEqual({ message: 'success' });
    expect((await zadig('/openapi/environments/dev/share/portal/service1?projectKey=share')).json).toEqual({
      default_gateway_address: '81.69.166.47',
      servers: portalBody,
    });
  });

  it('put a Gateway with those servers in the namespace and bound the service’s VirtualService to it', async () => {
    expect(await listShared(namespaces.dev, 'gateways')).toEqual(['berth-portal-service1']);
    const gateway = await customObjects().getNamespacedCustomObject({
      ...istio('v1beta1', 'gateways'),
      namespace: namespaces.dev,
      name: 'berth-portal-service1',
    });
    expect(gateway).toMatchObject({
      spec: {
        selector: { istio: 'ingressgateway' },
        servers: [
          { hosts: ['zcms-a-b1.8slan.com'], port: { number: 80, protocol: 'HTTP' } },
          { hosts: ['a.zicemoshi-helm-env-dev'], port: { number: 80, protocol: 'HTTP' } },
        ],
      },
    });
    expect(await virtualService(namespaces.dev, 'berth-service1')).toMatchObject({
      spec: {
        hosts: ['service1', 'zcms-a-b1.8slan.com', 'a.zicemoshi-helm-env-dev'],
        gateways: ['mesh', 'berth-portal-service1'],
      },
    });
    // The other service keeps its in-mesh route only.
    expect(
      ((await virtualService(namespaces.dev, 'berth-service2')) as { spec: Record<string, unknown> }).spec['gateways'],
    ).toBeUndefined();
  });

  it('an empty list removes the portal', async () => {
    await zadig('/openapi/environments/dev/share/portal/service2?projectKey=share', { json: [portalBody[0]] });
    expect(await listShared(namespaces.dev, 'gateways')).toEqual(['berth-portal-service1', 'berth-portal-service2']);
    expect(
      (await zadig('/openapi/environments/dev/share/portal/service2?projectKey=share', { json: [] })).json,
    ).toEqual({ message: 'success' });
    expect(
      at((await zadig('/openapi/environments/dev/share/portal/service2?projectKey=share')).json, 'servers'),
    ).toEqual([]);
    expect(await listShared(namespaces.dev, 'gateways')).toEqual(['berth-portal-service1']);
    expect(
      ((await virtualService(namespaces.dev, 'berth-service2')) as { spec: { hosts: string[]; gateways?: string[] } })
        .spec,
    ).toMatchObject({ hosts: ['service2'] });
    expect(
      ((await virtualService(namespaces.dev, 'berth-service2')) as { spec: { gateways?: string[] } }).spec.gateways,
    ).toBeUndefined();
  });

  it.each([
    [
      'a host that is not a domain or an address',
      [{ host: 'Not A Host', port_number: 80, port_protocol: 'HTTP' }],
      '0.host: ',
    ],
    [
      'a port out of range',
      [{ host: 'a.example.com', port_number: 70000, port_protocol: 'HTTP' }],
      '0.port_number: must be at most 65535',
    ],
    [
      'a port given as text',
      [{ host: 'a.example.com', port_number: '80', port_protocol: 'HTTP' }],
      '0.port_number: must be a number',
    ],
    [
      'a protocol the portal cannot serve without certificates',
      [{ host: 'a.example.com', port_number: 443, port_protocol: 'HTTPS' }],
      '0.port_protocol: must be one of HTTP, HTTP2, GRPC',
    ],
    ['a missing port', [{ host: 'a.example.com', port_protocol: 'HTTP' }], '0.port_number is required'],
    [
      'an object instead of a list',
      { host: 'a.example.com', port_number: 80, port_protocol: 'HTTP' },
      'must be a list of servers',
    ],
    ['the same host and port twice', [portalBody[0], portalBody[0]], 'same host and port twice'],
  ])('refuses %s with a 400 naming it', async (_, body, description) => {
    const answer = await zadig('/openapi/environments/dev/share/portal/service1?projectKey=share', { json: body });
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({
      code: 400,
      message: 'Bad Request',
      description: expect.stringContaining(description),
    });
    expect(
      at((await zadig('/openapi/environments/dev/share/portal/service1?projectKey=share')).json, 'servers'),
    ).toEqual(portalBody);
  });

  it('needs sharing enabled', async () => {
    const notShared = await zadig('/openapi/environments/dev/share/portal/service1?projectKey=bare', {
      json: portalBody,
    });
    expect(notShared.status).toBe(409);
    expect(notShared.json).toEqual({
      code: 409,
      message: 'Conflict',
      description: expect.stringContaining('environment "dev" is not shared'),
    });
  });
});

describe('disabling', { timeout: 120_000 }, () => {
  it('removes what enabling created, and the checks change back to the spec example', async () => {
    const answer = await zadig('/openapi/environments/dev/share/enable?projectKey=share', { method: 'DELETE' });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ message: 'success' });

    expect(await listShared(namespaces.dev, 'virtualservices')).toEqual([]);
    expect(await listShared(namespaces.dev, 'gateways')).toEqual([]);
    const labels = await namespaceLabels(namespaces.dev);
    expect(labels['istio-injection']).toBeUndefined();
    expect(labels['berth.dev/share-env']).toBeUndefined();
    expect(await readiness('dev', 'disable', notShared)).toEqual(notShared);
    expect(
      at((await zadig('/openapi/environments/dev/share/portal/service1?projectKey=share')).json, 'servers'),
    ).toEqual([]);
  });

  it('keeps the EnvoyFilter while another namespace shares, and removes it with the last one', async () => {
    expect(await envoyFilter()).toMatchObject({ metadata: { name: 'berth-share-env', namespace: 'istio-system' } });
    expect((await zadig('/openapi/environments/mesh/share/enable?projectKey=share', { method: 'DELETE' })).status).toBe(
      200,
    );
    expect(await listShared(namespaces.mesh, 'virtualservices')).toEqual([]);
    // Namespaces of other runs may still share on this cluster; then the filter must stay.
    const othersSharing = (await kube().core.listNamespace({ labelSelector: 'berth.dev/share-env' })).items.length > 0;
    expect((await envoyFilter()) !== undefined).toBe(othersSharing);
  });

  it('gives the namespace back its own injection label, and is idempotent', async () => {
    await kube().core.patchNamespace({
      name: namespaces.bare,
      body: [{ op: 'add', path: '/metadata/labels/istio-injection', value: 'disabled' }],
    });
    expect((await zadig('/openapi/environments/dev/share/enable?projectKey=bare', { method: 'POST' })).status).toBe(
      200,
    );
    expect((await namespaceLabels(namespaces.bare))['istio-injection']).toBe('enabled');
    // No Service, nothing to route: not deployed.
    expect(
      at((await zadig('/openapi/environments/dev/check/sharenv/enable/ready?projectKey=bare')).json, 'checks'),
    ).toMatchObject({ virtualservice_deployed: false, workloads_have_k8s_service: false });
    const noRoute = await zadig('/openapi/environments/dev/share/portal/service1?projectKey=bare', {
      json: portalBody,
    });
    expect(noRoute.status).toBe(400);
    expect(stringAt(noRoute.json, 'description')).toBe(
      'service "service1" of environment "dev" has no Kubernetes Service for an entry to route to',
    );
    for (let round = 0; round < 2; round++) {
      expect((await zadig('/openapi/environments/dev/share/enable?projectKey=bare', { method: 'DELETE' })).status).toBe(
        200,
      );
      expect((await namespaceLabels(namespaces.bare))['istio-injection']).toBe('disabled');
    }
  });
});

describe('bad input: a 4xx in Zadig’s envelope naming it', () => {
  const routes: Array<[string, string, string?]> = [
    ['GET', '/check/workloads/k8sservices'],
    ['POST', '/share/enable'],
    ['DELETE', '/share/enable'],
    ['GET', '/check/sharenv/enable/ready'],
    ['GET', '/share/portal/service1'],
    ['POST', '/share/portal/service1', JSON.stringify(portalBody)],
  ];

  it.each(routes)('%s %s: an unknown environment is a 404', async (method, path, body) => {
    const answer = await zadig(`/openapi/environments/nope${path}?projectKey=share`, {
      method,
      ...(body ? { body, headers: { 'content-type': 'application/json' } } : {}),
    });
    expect(answer.status).toBe(404);
    expect(answer.json).toEqual({ code: 404, message: 'Not Found', description: 'environment "nope" not found' });
  });

  it('an unknown project is a 404, a missing projectKey a 400', async () => {
    expect((await zadig('/openapi/environments/dev/share/enable?projectKey=ghost', { method: 'POST' })).json).toEqual({
      code: 404,
      message: 'Not Found',
      description: 'project "ghost" not found',
    });
    expect((await zadig('/openapi/environments/dev/share/enable', { method: 'POST' })).json).toMatchObject({
      code: 400,
      description: 'projectKey is required',
    });
  });

  it('an unknown service is a 404 naming it', async () => {
    for (const options of [{}, { json: portalBody }]) {
      const answer = await zadig('/openapi/environments/dev/share/portal/ghost?projectKey=share', options);
      expect(answer.status).toBe(404);
      expect(stringAt(answer.json, 'description')).toBe('service "ghost" not found in environment "dev"');
    }
  });

  it('an operation other than enable or disable is a 400', async () => {
    const answer = await zadig('/openapi/environments/dev/check/sharenv/pause/ready?projectKey=share');
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({ code: 400, message: 'Bad Request', description: 'op: must be enable or disable' });
  });

  it('a production environment cannot be shared (the key is reserved for the production routes)', async () => {
    const answer = await zadig('/openapi/environments/production/share/enable?projectKey=share', { method: 'POST' });
    expect(answer.status).toBe(400);
    expect(stringAt(answer.json, 'description')).toContain('envKey: must not be one of');
  });

  it('a cluster that does not answer is a 503, at once', async () => {
    await call(berth.apps.admin, '/admin/clusters', {
      token: ADMIN_TOKEN,
      json: { id: 'gone', name: 'gone', kubeconfig: kubeconfigFor({ server: UNREACHABLE_SERVER }) },
    });
    const created = await zadig('/openapi/environments?projectKey=bare', {
      json: { env_key: 'away', cluster_id: 'gone', namespace: `share-away-${suffix}`, registry_id: 'harbor' },
    });
    expect((await settled(stringAt(created.json, 'operation_id'))).state).toBe('failed');
    for (const [method, path] of [
      ['GET', '/check/workloads/k8sservices'],
      ['POST', '/share/enable'],
      ['GET', '/check/sharenv/disable/ready'],
    ] as const) {
      const started = Date.now();
      const answer = await zadig(`/openapi/environments/away${path}?projectKey=bare`, { method });
      expect(Date.now() - started).toBeLessThan(5000);
      expect(answer.status).toBe(503);
      expect(answer.json).toMatchObject({
        code: 503,
        message: 'Service Unavailable',
        description: expect.stringContaining('unreachable'),
      });
    }
  });

  it('requires a token', async () => {
    expect(
      (
        await call(berth.apps['zadig-environment'], '/openapi/environments/dev/share/enable?projectKey=share', {
          method: 'POST',
        })
      ).status,
    ).toBe(401);
  });
});

describe('deleting a shared environment', { timeout: 120_000 }, () => {
  it('undoes its sharing first, even when its resources stay', async () => {
    const namespace = `share-gone-${suffix}`;
    try {
      await createEnvironment('share', 'gone', namespace, ['service1']);
      expect(
        (await zadig('/openapi/environments/gone/share/enable?projectKey=share', { method: 'POST' })).json,
      ).toEqual({ message: 'success' });
      expect(await listShared(namespace, 'virtualservices')).not.toEqual([]);

      const deleted = await zadig('/openapi/environments/gone?projectKey=share&isDelete=false', { method: 'DELETE' });
      expect((await settled(stringAt(deleted.json, 'operation_id'))).state).toBe('success');
      expect(await namespaceLabels(namespace)).not.toHaveProperty('berth.dev/share-env');
      expect(await listShared(namespace, 'virtualservices')).toEqual([]);
      expect(await berth.rawItem({ pk: 'PROJECT#share', sk: 'ENVX#test#gone#sharing' })).toBeUndefined();
      expect((await kube().apps.readNamespacedDeployment({ name: 'service1', namespace })).metadata?.name).toBe(
        'service1',
      );
    } finally {
      await kube()
        .core.deleteNamespace({ name: namespace })
        .catch(() => undefined);
    }
  });
});
