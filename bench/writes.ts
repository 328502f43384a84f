import { randomBytes } from 'node:crypto';
import { runOperation } from '../core/environments/run-operation.ts';
import { dialects } from '../functions/docs/dialects.ts';
import { createGroupApps, type GroupApps } from '../functions/local/group-apps.ts';
import { loadConfig } from '../functions/runtime/config.ts';
import { createAuthenticator } from '../functions/runtime/core-context.ts';
import { counted, type Figure } from './figures.ts';
import {
  benchConnections,
  benchKubeconfig,
  deleteNamespaces,
  serviceYaml,
  startBenchDynamo,
  uniqueSuffix,
} from './harness.ts';

type Step = {
  /** The route, as `group.name` of the route contracts (`dialects`). */
  route: string;
  method: string;
  path: string;
  json?: unknown;
  /** Run the operation the request recorded, and count the worker's requests too. */
  worker?: boolean;
};

const ENV = 'bench';
const variables = [{ key: 'replicas', value: '1', type: 'string', options: [], desc: '' }];

/** One request per mutating route, in an order where each finds what it needs (test scope; production shares the use-cases). */
const scenario = (namespace: string, kubeconfig: string): Step[] => [
  {
    route: 'admin.registerCluster',
    method: 'POST',
    path: '/admin/clusters',
    json: { id: 'local', name: 'local', kubeconfig },
  },
  { route: 'admin.updateCluster', method: 'PATCH', path: '/admin/clusters/local', json: { name: 'local2' } },
  {
    route: 'admin.registerRegistry',
    method: 'POST',
    path: '/admin/registries',
    json: { id: 'hub', address: 'registry.example.com', namespace: 'bench' },
  },
  { route: 'admin.createToken', method: 'POST', path: '/admin/tokens', json: { name: 'bench', role: 'user' } },
  {
    route: 'zadig-service.createProject',
    method: 'POST',
    path: '/openapi/projects/project',
    json: { project_key: 'shop', project_name: 'shop', project_type: 'yaml' },
  },
  {
    route: 'zadig-service.test.createRaw',
    method: 'POST',
    path: '/openapi/service/yaml/raw?projectKey=shop',
    json: { service_name: 'web', yaml: serviceYaml('web'), variable_yaml: variables },
  },
  {
    route: 'zadig-service.test.updateYaml',
    method: 'PUT',
    path: '/openapi/service/yaml/web?projectKey=shop',
    json: { type: 'k8s', yaml: serviceYaml('web') },
  },
  {
    route: 'zadig-service.test.updateVariables',
    method: 'PUT',
    path: '/openapi/service/yaml/web/variable?projectKey=shop',
    json: { service_variable_kvs: variables },
  },
  {
    route: 'zadig-service.test.setLabels',
    method: 'PUT',
    path: '/openapi/service/yaml/web/labels?projectKey=shop',
    json: [{ key: 'tier', value: 'front' }],
  },
  {
    route: 'zadig-service.test.createRaw',
    method: 'POST',
    path: '/openapi/service/yaml/raw?projectKey=shop',
    json: { service_name: 'api', yaml: serviceYaml('api'), variable_yaml: variables },
  },
  {
    route: 'zadig-environment.test.create',
    method: 'POST',
    path: '/openapi/environments?projectKey=shop',
    json: {
      env_key: ENV,
      cluster_id: 'local',
      namespace,
      registry_id: 'hub',
      services: [{ service_name: 'web', variable_kvs: [{ key: 'replicas', value: '0' }] }],
    },
    worker: true,
  },
  {
    route: 'zadig-environment.test.updateServices',
    method: 'PUT',
    path: `/openapi/environments/${ENV}/services?projectKey=shop`,
    json: { service_list: [{ service_name: 'web', variable_kvs: [{ key: 'replicas', value: '1' }] }] },
    worker: true,
  },
  {
    route: 'zadig-environment.test.addServices',
    method: 'POST',
    path: '/openapi/environments/service/yaml?projectKey=shop',
    json: { env_key: ENV, service_list: [{ service_name: 'api', variable_kvs: [{ key: 'replicas', value: '0' }] }] },
    worker: true,
  },
  {
    route: 'zadig-environment.test.updateGlobals',
    method: 'PUT',
    path: `/openapi/environments/${ENV}/variable?projectKey=shop`,
    json: { global_variables: [{ key: 'replicas', value: '0' }] },
    worker: true,
  },
  {
    route: 'zadig-environment.scale',
    method: 'POST',
    path: '/openapi/environments/scale',
    json: { project_key: 'shop', env_key: ENV, workload_name: 'web', workload_type: 'Deployment', target_replicas: 2 },
  },
  {
    route: 'zadig-environment.test.restartService',
    method: 'POST',
    path: `/openapi/environments/${ENV}/service/web/restart?projectKey=shop`,
  },
  {
    route: 'zadig-environment.deploymentImage',
    method: 'POST',
    path: `/openapi/environments/image/deployment/${ENV}`,
    json: {
      product_name: 'shop',
      env_name: ENV,
      service_name: 'web',
      name: 'web',
      container_name: 'main',
      image: 'app:2.0',
    },
  },
  {
    route: 'zadig-environment.test.deleteServices',
    method: 'DELETE',
    path: '/openapi/environments/service/yaml?projectKey=shop',
    json: { env_key: ENV, service_names: ['api'] },
    worker: true,
  },
  {
    route: 'zadig-environment.test.remove',
    method: 'DELETE',
    path: `/openapi/environments/${ENV}?projectKey=shop&isDelete=true`,
    worker: true,
  },
  { route: 'zadig-service.test.remove', method: 'DELETE', path: '/openapi/service/yaml/api?projectKey=shop' },
  { route: 'zadig-service.deleteProject', method: 'DELETE', path: '/openapi/projects/project?projectKey=shop' },
  { route: 'admin.deleteRegistry', method: 'DELETE', path: '/admin/registries/hub' },
  { route: 'admin.deleteCluster', method: 'DELETE', path: '/admin/clusters/local' },
];

/**
 * Writes: the DynamoDB requests (every request the client sends, reads
 * included) of one request to each mutating route, counted with a client
 * middleware, and for the routes that record an operation, the worker's
 * requests on top. Routes of the route contracts this scenario does not
 * reach are listed as not measured.
 */
export async function measureWrites(): Promise<Figure[]> {
  const kubeconfig = await benchKubeconfig();
  const dynamo = await startBenchDynamo('bench-writes');
  const { ctx, counter } = dynamo;
  const adminToken = `bench-${randomBytes(12).toString('hex')}`;
  const config = loadConfig({ BERTH_TABLE: dynamo.tableName, BERTH_ADMIN_TOKEN: adminToken, AWS_REGION: 'local' });
  const connections = benchConnections(ctx);
  const apps = createGroupApps({ ctx, connections, authenticate: createAuthenticator(ctx, config), config });
  const namespace = `bench-writes-${uniqueSuffix()}`;
  const figures: Figure[] = [];
  const measured = new Set<string>();
  try {
    for (const step of scenario(namespace, kubeconfig)) {
      const group = step.route.split('.')[0] as keyof GroupApps;
      counter.reset();
      const response = await apps[group].fetch(
        new Request(`http://bench${step.path}`, {
          method: step.method,
          headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
          ...(step.json === undefined ? {} : { body: JSON.stringify(step.json) }),
        }),
      );
      const text = await response.text();
      const body = (text === '' ? {} : JSON.parse(text)) as { operation_id?: string };
      if (response.status >= 300) throw new Error(`${step.route}: ${response.status} ${text}`);
      const requestCount = counter.requests;
      const measure = `${step.route} (${step.method} ${step.path.split('?')[0]})`;
      if (!measured.has(step.route)) figures.push(counted('writes', `${measure}: request`, 'requests', requestCount));
      if (step.worker && body.operation_id) {
        counter.reset();
        await runOperation({ ctx, connections, id: body.operation_id });
        if (!measured.has(step.route))
          figures.push(counted('writes', `${measure}: worker`, 'requests', counter.requests));
      }
      measured.add(step.route);
    }
  } finally {
    await deleteNamespaces(kubeconfig, [namespace]);
    await dynamo.stop();
  }
  const unmeasured = dialects.flatMap((dialect) =>
    Object.entries(dialect.routes)
      .filter(([name, contract]) => contract.method !== 'get' && !measured.has(`${dialect.tag}.${name}`))
      .map(([name]) => `${dialect.tag}.${name}`),
  );
  console.log(`\nwrite routes not in the writes scenario: ${unmeasured.join(', ')}`);
  return figures;
}
