import { inject } from 'vitest';
import { adminRoutes } from '../../functions/admin/routes.ts';
import { operationRoutes } from '../../functions/zadig-environment/routes.ts';
import { projectRoutes, SCOPES, serviceRoutesByScope } from '../../functions/zadig-service/routes.ts';
import { ADMIN_TOKEN, eventually, type Harness } from './harness.ts';
import { call, callRoute } from './http.ts';
import { objectAt } from './json.ts';

/** A workload service whose values show in the cluster: its cpu request/limit and its namespace placeholder. */
export const serviceYaml = (name: string) =>
  [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    `  name: ${name}`,
    `  labels: {app: ${name}}`,
    'spec:',
    '  replicas: 1',
    `  selector: {matchLabels: {app: ${name}}}`,
    '  template:',
    `    metadata: {labels: {app: ${name}}}`,
    '    spec:',
    '      containers:',
    `      - name: ${name}`,
    `        image: koderover.tencentcloudcr.com/test/${name}:latest`,
    '        env:',
    '        - {name: NAMESPACE, value: $Namespace$}',
    '        - {name: PORT, value: "{{.port}}"}',
    '        resources:',
    '          limits: {cpu: "{{.cpuLimit}}"}',
    '          requests: {cpu: "{{.cpu}}"}',
    '---',
    'apiVersion: v1',
    'kind: Service',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    `  selector: {app: ${name}}`,
    '  ports: [{port: 80}]',
    '',
  ].join('\n');

const defaults = (
  [
    ['cpu', '5m'],
    ['cpuLimit', '50m'],
    ['port', '8080'],
  ] as const
).map(([key, value]) => ({ key, value, type: 'string' as const }));

/** Registers the test cluster and registry, and a project with service1 and service2 (test and production). */
export async function seedEnvironmentWorld(berth: Harness, project: string) {
  const registry = inject('registry');
  await callRoute(berth.apps.admin, adminRoutes.registerCluster, {
    token: ADMIN_TOKEN,
    json: { id: 'local', name: 'local', kubeconfig: inject('kubeconfig') },
  });
  await callRoute(berth.apps.admin, adminRoutes.registerRegistry, {
    token: ADMIN_TOKEN,
    json: {
      id: 'harbor',
      address: registry.url,
      namespace: 'test',
      username: registry.username,
      password: registry.password,
      insecure: true,
    },
  });
  await callRoute(berth.apps['zadig-service'], projectRoutes.createProject, {
    token: ADMIN_TOKEN,
    json: { project_key: project, project_name: project, project_type: 'yaml' },
  });
  for (const scope of SCOPES) {
    for (const name of ['service1', 'service2']) {
      await callRoute(berth.apps['zadig-service'], serviceRoutesByScope[scope].createRaw, {
        token: ADMIN_TOKEN,
        query: { projectKey: project },
        json: { service_name: name, yaml: serviceYaml(name), variable_yaml: defaults },
      });
    }
  }
}

/** Calls the environment group as the admin, and waits for an operation to finish. */
export function environmentClient(berth: () => Harness) {
  const zadig = (path: string, options: Parameters<typeof call>[2] = {}) =>
    call(berth().apps['zadig-environment'], path, { token: ADMIN_TOKEN, ...options });
  const settled = (operationId: string, timeoutMs = 60_000) =>
    eventually(
      async () => {
        const answer = await callRoute(berth().apps['zadig-environment'], operationRoutes.getOperation, {
          token: ADMIN_TOKEN,
          params: { id: operationId },
        });
        const operation = objectAt(answer.json);
        return operation.state === 'success' || operation.state === 'failed' ? operation : undefined;
      },
      { timeoutMs },
    );
  return { zadig, settled };
}
