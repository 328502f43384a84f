import { inject } from 'vitest';
import { ADMIN_TOKEN, eventually, type Harness } from './harness.ts';
import { call } from './http.ts';
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

const defaults = [
  { key: 'cpu', value: '5m', type: 'string' },
  { key: 'cpuLimit', value: '50m', type: 'string' },
  { key: 'port', value: '8080', type: 'string' },
];

/** Registers the test cluster and registry, and a project with service1 and service2 (test and production). */
export async function seedEnvironmentWorld(berth: Harness, project: string) {
  const registry = inject('registry');
  await call(berth.apps.admin, '/admin/clusters', {
    token: ADMIN_TOKEN,
    json: { id: 'local', name: 'local', kubeconfig: inject('kubeconfig') },
  });
  await call(berth.apps.admin, '/admin/registries', {
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
  await call(berth.apps['zadig-service'], '/openapi/projects/project', {
    token: ADMIN_TOKEN,
    json: { project_key: project, project_name: project, project_type: 'yaml' },
  });
  for (const base of ['/openapi/service/yaml', '/openapi/service/yaml/production']) {
    for (const name of ['service1', 'service2']) {
      await call(berth.apps['zadig-service'], `${base}/raw?projectKey=${project}`, {
        token: ADMIN_TOKEN,
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
        const operation = objectAt((await zadig(`/openapi/operations/${operationId}`)).json);
        return operation.state === 'success' || operation.state === 'failed' ? operation : undefined;
      },
      { timeoutMs },
    );
  return { zadig, settled };
}
