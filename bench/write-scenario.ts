import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { signDelivery } from '../core/hooks/signatures.ts';
import { batchYaml } from '../test/support/batch-service.ts';
import { demoChart } from '../test/support/charts.ts';
import { arrayAt, at, numberAt, stringAt, type Json } from '../test/support/json.ts';
import { pushTinyImage, type TestRegistry } from '../test/support/oci-registry.ts';
import { oteAppBody, serviceYaml } from './harness.ts';

/** Values a step keeps from its answer for the steps after it (ids, secrets). */
export class State {
  private readonly values = new Map<string, string>();
  set(name: string, value: Json): void {
    this.values.set(name, String(value));
  }
  get(name: string): string {
    const value = this.values.get(name);
    if (value === undefined) throw new Error(`no step kept "${name}" before a step needed it`);
    return value;
  }
}

/** What one counted request sends; `as` is whose token (the admin's unless told). */
export type Send = {
  params?: Record<string, string | number>;
  query?: Record<string, string>;
  json?: unknown;
  form?: Record<string, string>;
  multipart?: FormData;
  body?: string;
  headers?: Record<string, string>;
  as?: 'admin' | 'user' | 'none';
};

/** Reads the bench's Berth without being counted: checks and look-ups between steps. */
export type Peek = (route: string, send: Send) => Promise<Json>;

export type Step = {
  /** The route, as `group.name` of the route contracts (`dialects`). */
  route: string;
  /** Built just before the request, so it can use what earlier steps kept (and prepare, uncounted). */
  send?: Send | ((state: State, peek: Peek) => Send | Promise<Send>);
  keep?: (answer: Json, state: State) => void;
  /** The state the operation the answer names must end in (after the worker ran); `success` unless told. */
  operation?: 'success' | 'failed';
  /** What the worker's run must have left, checked once it settled (not counted). */
  check?: (state: State, peek: Peek) => Promise<void>;
};

/** What the scenario runs against: the cluster, the registry, and names of this run's own. */
export type World = {
  kubeconfig: string;
  registry: TestRegistry;
  suffix: string;
  namespaces: { test: string; production: string; late: string; helm: string };
  /** The ote-stack repository's and the chart registry's namespaces in the registry. */
  oteNamespace: string;
  chartNamespace: string;
  hostPort: number;
};

const PROJECT = 'shop';
const HOOKED_IMAGE = 'registry.example.com/bench/web';
const digest = (fill: string) => `sha256:${fill.repeat(64)}`;
const projectKey = { projectKey: PROJECT };
const variables = [{ key: 'replicas', value: '1', type: 'string' }];
const configMap = (value: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bench-config}\ndata: {value: "${value}"}\n`;
/** A Service the API server refuses (a node port out of range), which Berth's own checks let through. */
const refusedYaml = `apiVersion: v1\nkind: Service\nmetadata: {name: late}\nspec: {type: NodePort, ports: [{port: 80, nodePort: 80}]}\n`;

const step = (route: string, send?: Step['send'], more: Omit<Step, 'route' | 'send'> = {}): Step => ({
  route,
  ...(send === undefined ? {} : { send }),
  ...more,
});
const keepAs =
  (name: string, ...path: Array<string | number>) =>
  (answer: Json, state: State) =>
    state.set(name, at(answer, ...path));

/** Project services of one scope: created raw, changed three ways, one loaded from the template. */
function serviceSteps(scope: 'test' | 'production'): Step[] {
  const route = (name: string) => `zadig-service.${scope}.${name}`;
  const raw = (name: string, yaml: string) =>
    step(route('createRaw'), { query: projectKey, json: { service_name: name, yaml, variable_yaml: variables } });
  const web = { params: { serviceName: 'web' }, query: projectKey };
  return [
    raw('web', serviceYaml('web', `${HOOKED_IMAGE}:1.0.0`)),
    raw('api', serviceYaml('api')),
    step(route('updateYaml'), { ...web, json: { type: 'k8s', yaml: serviceYaml('web', `${HOOKED_IMAGE}:1.0.0`) } }),
    step(route('updateVariables'), { ...web, json: { service_variable_kvs: variables } }),
    step(route('setLabels'), { ...web, json: [{ key: 'tier', value: 'front' }] }),
    step(route('loadTemplate'), {
      json: {
        service_name: 'from-tpl',
        project_key: PROJECT,
        template_name: 'tpl',
        auto_sync: true,
        variable_yaml: [],
      },
    }),
  ];
}

/** The life of an environment of one scope, from creation to deletion, one step per route of that scope. */
function environmentSteps(
  world: World,
  scope: 'test' | 'production',
  envKey: string,
  namespace: string,
  middle: Step[],
): Step[] {
  const route = (name: string) => `zadig-environment.${scope}.${name}`;
  const env = { params: { envKey }, query: projectKey };
  const withGlobal = (value: string) => [{ key: 'replicas', value, use_global_variable: true }];
  return [
    step(route('create'), {
      query: projectKey,
      json: {
        env_key: envKey,
        cluster_id: 'local',
        namespace,
        registry_id: 'harbor',
        global_variables: [{ key: 'replicas', value: '1' }],
        services: [{ service_name: 'web', variable_kvs: withGlobal('1') }, { service_name: 'batch' }],
      },
    }),
    step(route('edit'), { ...env, json: { registry_id: 'ote' } }),
    step(route('addServices'), {
      query: projectKey,
      json: { env_key: envKey, service_list: [{ service_name: 'api' }] },
    }),
    step(route('updateServices'), {
      ...env,
      json: { service_list: [{ service_name: 'api', variable_kvs: [{ key: 'replicas', value: '2' }] }] },
    }),
    step(route('updateGlobals'), { ...env, json: { global_variables: [{ key: 'replicas', value: '2' }] } }),
    step(route('restartService'), { params: { envKey, serviceName: 'web' }, query: projectKey }),
    step(route('restartPod'), async () => ({
      params: { envKey, podName: await runningPodOf(world.kubeconfig, namespace, 'api') },
      query: projectKey,
    })),
    step(route('addEnvConfig'), { ...env, json: { common_env_cfg_type: 'ConfigMap', yaml_data: configMap('a') } }),
    step(route('updateEnvConfig'), {
      query: projectKey,
      json: { name: 'bench-config', env_key: envKey, common_env_cfg_type: 'ConfigMap', yaml_data: configMap('b') },
    }),
    step(route('deleteEnvConfig'), {
      params: { envKey, name: 'bench-config' },
      query: { ...projectKey, type: 'ConfigMap' },
    }),
    ...middle,
    step(route('deleteServices'), { query: projectKey, json: { env_key: envKey, service_names: ['api'] } }),
    step(route('remove'), { ...env, query: { ...projectKey, isDelete: 'true' } }),
  ];
}

/** A running pod of the app, read straight from the cluster (not counted: Berth does not do it). */
async function runningPodOf(kubeconfig: string, namespace: string, app: string): Promise<string> {
  const config = new KubeConfig();
  config.loadFromString(kubeconfig);
  const core = config.makeApiClient(CoreV1Api);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const pods = (await core.listNamespacedPod({ namespace, labelSelector: `app=${app}` })).items;
    const running = pods.find((pod) => pod.status?.phase === 'Running' && !pod.metadata?.deletionTimestamp);
    if (running?.metadata?.name) return running.metadata.name;
    if (Date.now() > deadline)
      throw new Error(
        `no running pod of ${app} in ${namespace} within a minute: ${JSON.stringify(pods.map((pod) => pod.status))}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** A registry push the hook hears of, signed with the hook's (current) secret. */
function delivery(state: State, hook: string, tag: string, fill: string): Send {
  const body = JSON.stringify({ image: HOOKED_IMAGE, tag, digest: digest(fill) });
  const secret = state.get(`${hook}Secret`);
  const headers = signDelivery({ scheme: 'hmac', secret, body: Buffer.from(body), id: tag, now: new Date() });
  return { params: { hookId: state.get(hook) }, body, headers, as: 'none' };
}

const hookBody = (name: string, approval?: { approvers: number }) => ({
  name,
  source: 'generic',
  image: HOOKED_IMAGE,
  policy: { type: 'semver', range: '^1' },
  targets: [
    {
      kind: 'zadig-env-service',
      project_key: PROJECT,
      env_key: 'bench',
      service_name: 'web',
      deployment: 'web',
      container: 'main',
    },
  ],
  health_timeout_seconds: 60,
  ...(approval ? { approval } : {}),
});

/** The stages a hook's delivery reached must include `stage`. */
const reached = (hook: string, record: string, stage: string) => async (state: State, peek: Peek) => {
  const answer = await peek('admin.getHookDelivery', { params: { id: state.get(hook), recordId: state.get(record) } });
  const stages = arrayAt(answer, 'stages').map((entry) => stringAt(entry, 'stage'));
  if (!stages.includes(stage))
    throw new Error(`delivery ${state.get(record)} reached ${stages.join(', ')}, not ${stage}`);
};

/** Hooks on the test environment's web service: a push rolled out, re-driven, tested; one behind an approval. */
const hookSteps: Step[] = [
  step(
    'admin.createHook',
    { json: hookBody('web') },
    {
      keep: (answer, state) => {
        state.set('hook', at(answer, 'id'));
        state.set('hookSecret', at(answer, 'secret'));
      },
    },
  ),
  step('hooks.receive', (state) => delivery(state, 'hook', '1.1.0', 'a'), {
    keep: keepAs('record', 'record_id'),
    check: reached('hook', 'record', 'health'),
  }),
  step('admin.redriveHookDelivery', (state) => ({ params: { id: state.get('hook'), recordId: state.get('record') } })),
  step('admin.testHook', (state) => {
    const { body, headers } = delivery(state, 'hook', '1.1.1', 'c');
    return { params: { id: state.get('hook') }, json: { body, headers } };
  }),
  step('admin.rotateHookSecret', (state) => ({ params: { id: state.get('hook') }, json: { grace_seconds: 0 } })),
  step(
    'admin.createHook',
    { json: hookBody('web, approved', { approvers: 1 }) },
    {
      keep: (answer, state) => {
        state.set('gated', at(answer, 'id'));
        state.set('gatedSecret', at(answer, 'secret'));
      },
    },
  ),
  step('hooks.receive', (state) => delivery(state, 'gated', '1.2.0', 'b'), {
    keep: keepAs('gatedRecord', 'record_id'),
  }),
  step(
    'admin.voteOnApproval',
    (state) => ({
      params: { hookId: state.get('gated'), recordId: state.get('gatedRecord') },
      json: { decision: 'approve', digest: digest('b') },
    }),
    { check: reached('gated', 'gatedRecord', 'health') },
  ),
  step('admin.deleteHook', (state) => ({ params: { id: state.get('hook') } })),
  step('admin.deleteHook', (state) => ({ params: { id: state.get('gated') } })),
];

/** The routes only the test environment takes: day-two actions, sharing, K8s-service, hooks. */
const testOnlySteps = (namespace: string): Step[] => {
  const image = (kind: string, service: string, name: string, container: string, to: string) =>
    step(`zadig-environment.${kind}Image`, {
      params: { envKey: 'bench' },
      json: {
        product_name: PROJECT,
        env_name: 'bench',
        service_name: service,
        name,
        container_name: container,
        image: to,
      },
    });
  const env = { params: { envKey: 'bench' }, query: projectKey };
  return [
    step('zadig-environment.scale', {
      json: {
        project_key: PROJECT,
        env_key: 'bench',
        workload_name: 'web',
        workload_type: 'Deployment',
        target_replicas: 2,
      },
    }),
    image('deployment', 'web', 'web', 'main', `${HOOKED_IMAGE}:1.0.1`),
    image('statefulSet', 'batch', 'batch-db', 'db', 'postgres:17'),
    image('cronJob', 'batch', 'batch-report', 'report', 'busybox:1.37'),
    step('k8s-service.updatePodReplicas', {
      form: { nameSpace: namespace, deploymentName: 'web', replicas: '1', msgId: '1641876953' },
    }),
    step('zadig-environment.enableSharing', env),
    step('zadig-environment.setPortal', {
      params: { envKey: 'bench', serviceName: 'web' },
      query: projectKey,
      json: [{ host: 'web.bench.example.com', port_number: 80, port_protocol: 'HTTP' }],
    }),
    step('zadig-environment.disableSharing', env),
    ...hookSteps,
  ];
};

/** An environment whose creation the API server refuses, created again by a retry once the service is fixed. */
const retrySteps = (namespace: string): Step[] => [
  step('zadig-service.test.createRaw', { query: projectKey, json: { service_name: 'late', yaml: refusedYaml } }),
  step(
    'zadig-environment.test.create',
    {
      query: projectKey,
      json: {
        env_key: 'late',
        cluster_id: 'local',
        namespace,
        registry_id: 'harbor',
        services: [{ service_name: 'late' }],
      },
    },
    { keep: keepAs('failedOperation', 'operation_id'), operation: 'failed' },
  ),
  step('zadig-service.test.updateYaml', {
    params: { serviceName: 'late' },
    query: projectKey,
    json: { type: 'k8s', yaml: refusedYaml.replace(', nodePort: 80', '') },
  }),
  step('zadig-environment.retryOperation', (state) => ({ params: { id: state.get('failedOperation') } })),
  step('zadig-environment.test.remove', { params: { envKey: 'late' }, query: { ...projectKey, isDelete: 'true' } }),
];

const chartUpload = (name: string) => {
  const form = new FormData();
  form.append('file', new Blob([demoChart({ name, version: '1.0.0' })], { type: 'application/gzip' }), 'chart.tgz');
  return { multipart: form };
};

const helmSteps = (namespace: string): Step[] => [
  step('zadig-helm.uploadChart', () => chartUpload('bench-chart')),
  step('zadig-helm.uploadChart', () => chartUpload('spare-chart')),
  step('zadig-helm.deleteChart', { params: { name: 'spare-chart' } }),
  step('zadig-helm.loadHelmService', {
    query: projectKey,
    json: { project_key: PROJECT, service_name: 'chart-web', template_name: 'bench-chart', values_yaml: 'port: 8080' },
  }),
  step('zadig-helm.createHelmEnvironment', {
    query: projectKey,
    json: {
      alias: 'charted',
      cluster_id: 'local',
      env_name: 'charted',
      namespace,
      project_key: PROJECT,
      registry_id: 'harbor',
    },
  }),
  step('zadig-helm.addHelmServices', {
    params: { name: 'charted' },
    query: projectKey,
    json: {
      env_name: 'charted',
      services: [{ service_name: 'chart-web', deploy_strategy: 'deploy', values_yaml: 'replicaCount: 1' }],
    },
  }),
  step('zadig-environment.test.remove', { params: { envKey: 'charted' }, query: { ...projectKey, isDelete: 'true' } }),
];

const vKubeSteps = (hostPort: number): Step[] => {
  const deploy = (route: string, image: string) =>
    step(route, (state) => ({
      headers: { secret: state.get('orderSecret') },
      as: 'none',
      json: {
        nodeSelector: { region: 'cn-north' },
        containers: [
          { name: 'main', imageName: image, ports: [{ containerPort: 80, hostPort }], resource: { memory: '100Mi' } },
        ],
      },
    }));
  const check = (route: string) => step(route, { as: 'none', json: { region: 'cn-north', ports: [hostPort] } });
  return [
    step(
      'admin.createOrder',
      { json: { duration: 3600, region: 'cn-north', serviceOptions: { resourceUnit: '2-Unit-Resource' } } },
      {
        keep: (answer, state) => {
          state.set('order', at(answer, 'id'));
          state.set('orderSecret', at(answer, 'secret'));
        },
      },
    ),
    check('v-kube.checkPorts'),
    check('v-kube.checkPortsAtOtherPath'),
    deploy('v-kube.deploy', 'nginx:1.27'),
    deploy('v-kube.deployAtOtherPath', 'nginx:1.28'),
    step('admin.deleteOrder', (state) => ({ params: { id: state.get('order') } })),
  ];
};

const oteApp = (appName: string, version: string) =>
  oteAppBody({ appName, version, replicas: 1, projectName: PROJECT });

/** The pending audit of a deployment, looked up as an auditor would (not counted). */
const auditOf = async (state: State, peek: Peek, deploy: string) => {
  const pending = arrayAt(await peek('ote-deploy.listAudits', { query: { pageSize: '0' } }), 'data');
  const audit = pending.find((entry) => String(at(entry, 'deployId')) === state.get(deploy));
  if (!audit) throw new Error(`no pending audit of deployment ${state.get(deploy)}`);
  return numberAt(audit, 'id');
};
/** Once the worker ran, the deployment must be in one of `statuses` (5 running, 9 deleted). */
const settledAs =
  (deploy: string, statuses: number[]) =>
  async (state: State, peek: Peek): Promise<void> => {
    const status = numberAt(
      await peek('ote-deploy.getDeploy', { params: { deployId: state.get(deploy) } }),
      'data',
      'status',
    );
    if (!statuses.includes(status)) throw new Error(`deployment ${state.get(deploy)} is in status ${status}`);
  };

const oteSteps = (world: World): Step[] => {
  const web = `web-${world.suffix}`;
  const chart = `chart-${world.suffix}`;
  const keepApp = (name: string) => keepAs(name, 'data', 'id');
  const audit = (route: string, deploy: string) =>
    step(
      route,
      async (state, peek) => ({ json: { id: await auditOf(state, peek, deploy), status: 1, comment: 'ok' } }),
      {
        check: settledAs(deploy, [5]),
      },
    );
  const chartApp = new FormData();
  chartApp.append('appName', chart);
  chartApp.append('version', '1.0');
  chartApp.append('projectName', PROJECT);
  chartApp.append(
    'chart',
    new Blob([demoChart({ name: 'web', version: '0.1.0' })], { type: 'application/gzip' }),
    'chart.tgz',
  );
  return [
    step('ote-repository.createProject', { json: { projectName: PROJECT, public: false } }),
    step('ote-repository.deleteTags', async () => {
      // Built at different times, so the two tags are two images (a registry deletes a manifest with all its tags).
      for (const [tag, created] of [
        ['v1', '2026-01-01T00:00:00Z'],
        ['v2', '2026-01-02T00:00:00Z'],
      ] as const)
        await pushTinyImage(world.registry, `${world.oteNamespace}/${PROJECT}/web`, tag, { created });
      return { json: { imageName: `${PROJECT}/web`, tag: ['v2'] } };
    }),
    step('ote-repository.deleteImages', { json: { imageName: [`${PROJECT}/web`] } }),
    step('ote-repository.deleteProject', { params: { projectName: PROJECT } }),
    step('ote-repository.createThirdPartyRepository', {
      json: { repositoryId: 'third', address: 'hub.example.com:5000', user: 'bench', password: 'bench-pass' },
    }),
    step('ote-repository.deleteThirdPartyRepository', { params: { repositoryId: 'third' } }),
    step('ote-app.createApp', { json: oteApp(web, '1.0') }, { keep: keepApp('app1') }),
    step('ote-app.createApp', { json: oteApp(web, '1.1') }, { keep: keepApp('app2') }),
    step('ote-app.createChartApp', { multipart: chartApp }, { keep: keepApp('app3') }),
    step(
      'ote-deploy.createDeploy',
      { as: 'user', json: { deployName: web, appName: web, version: '1.0', cluster: 'zone=edge' } },
      {
        keep: keepAs('deploy', 'data', 'id'),
      },
    ),
    audit('ote-deploy.auditPut', 'deploy'),
    step('ote-deploy.upgradeDeploy', (state) => ({
      as: 'user',
      params: { deployId: state.get('deploy') },
      json: { version: '1.1' },
    })),
    audit('ote-deploy.auditPost', 'deploy'),
    step(
      'ote-deploy.rollbackDeploy',
      (state) => ({ params: { deployId: state.get('deploy') }, json: { version: '1.0' } }),
      {
        check: settledAs('deploy', [5]),
      },
    ),
    step(
      'ote-deploy.installDeploy',
      { json: { deployName: chart, appName: chart, version: '1.0', cluster: 'zone=edge' } },
      {
        keep: keepAs('chartDeploy', 'data', 'id'),
        check: settledAs('chartDeploy', [5]),
      },
    ),
    step('ote-deploy.deleteDeployById', (state) => ({ params: { deployId: state.get('chartDeploy') } }), {
      check: settledAs('chartDeploy', [9]),
    }),
    step('ote-deploy.deleteDeployByName', { params: { deployName: web } }, { check: settledAs('deploy', [9]) }),
    step('ote-app.deleteApps', (state) => ({
      json: { appId: ['app1', 'app2', 'app3'].map((app) => Number(state.get(app))) },
    })),
  ];
};

/**
 * One request to each mutating route (and some repeated, to set the stage),
 * in an order where each finds what it needs: the admin's objects, Zadig
 * services and environments of both scopes with their day-two actions and
 * hooks, Helm, V-Kube, ote-stack, then the admin's deletions.
 */
export function writeScenario(world: World): Step[] {
  const { registry } = world;
  const registryAt = (id: string, namespace: string) =>
    step('admin.registerRegistry', {
      json: {
        id,
        address: registry.url,
        namespace,
        username: registry.username,
        password: registry.password,
        insecure: true,
      },
    });
  const template = (image: string) => ({ content: serviceYaml('from-tpl', image), service_variable_kvs: variables });
  return [
    step('admin.registerCluster', {
      json: { id: 'local', name: 'local', labels: { zone: 'edge' }, kubeconfig: world.kubeconfig },
    }),
    step('admin.updateCluster', { params: { id: 'local' }, json: { name: 'local cluster' } }),
    registryAt('harbor', 'bench'),
    registryAt('ote', world.oteNamespace),
    registryAt('charts', world.chartNamespace),
    step('admin.setDefaultRegistry', { json: { registry_id: 'harbor' } }),
    step(
      'admin.createToken',
      { json: { name: 'bench-user', role: 'user', projects: [PROJECT] } },
      {
        keep: (answer, state) => {
          state.set('userToken', at(answer, 'token'));
          state.set('userTokenId', at(answer, 'id'));
        },
      },
    ),
    step(
      'admin.createWebhook',
      { json: { url: 'http://127.0.0.1:9/berth', event_types: ['environment.status'] } },
      {
        keep: keepAs('webhook', 'id'),
      },
    ),
    step('admin.deleteWebhook', (state) => ({ params: { id: state.get('webhook') } })),

    step('zadig-service.createProject', {
      json: { project_key: PROJECT, project_name: PROJECT, project_type: 'yaml' },
    }),
    step('zadig-service.createTemplate', { json: { name: 'tpl', ...template('app:1.0') } }),
    ...serviceSteps('test'),
    ...serviceSteps('production'),
    step('zadig-service.test.createRaw', { query: projectKey, json: { service_name: 'batch', yaml: batchYaml } }),
    step('zadig-service.production.createRaw', { query: projectKey, json: { service_name: 'batch', yaml: batchYaml } }),
    step('zadig-service.updateTemplate', { params: { name: 'tpl' }, json: template('app:1.1') }),

    ...environmentSteps(world, 'test', 'bench', world.namespaces.test, testOnlySteps(world.namespaces.test)),
    ...environmentSteps(world, 'production', 'prod', world.namespaces.production, []),
    ...retrySteps(world.namespaces.late),
    ...helmSteps(world.namespaces.helm),

    step('zadig-service.test.remove', { params: { serviceName: 'from-tpl' }, query: projectKey }),
    step('zadig-service.production.remove', { params: { serviceName: 'from-tpl' }, query: projectKey }),
    step('zadig-service.deleteTemplate', { params: { name: 'tpl' } }),
    step('zadig-service.deleteProject', { query: projectKey }),

    ...vKubeSteps(world.hostPort),
    ...oteSteps(world),

    step('admin.deleteToken', (state) => ({ params: { id: state.get('userTokenId') } })),
    step('admin.deleteRegistry', { params: { id: 'harbor' } }),
    step('admin.deleteCluster', { params: { id: 'local' } }),
  ];
}
