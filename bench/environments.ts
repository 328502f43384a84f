import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import * as v from 'valibot';
import type { Principal } from '../core/auth/schemas.ts';
import { createClusterConnections } from '../core/cluster/connections.ts';
import { createKubeCluster } from '../core/cluster/kube-cluster.ts';
import { loadKubeconfig } from '../core/clusters/cluster-item.ts';
import { registerCluster } from '../core/clusters/register-cluster.ts';
import { updateEnvServices } from '../core/environments/env-services.ts';
import { createEnvironment } from '../core/environments/manage-environments.ts';
import { getEnvironment } from '../core/environments/read-environments.ts';
import { runOperation } from '../core/environments/run-operation.ts';
import { createProject } from '../core/projects/manage-projects.ts';
import { registerRegistry } from '../core/registries/register-registry.ts';
import { RegisterRegistryInput } from '../core/registries/schemas.ts';
import { createRawService } from '../core/services/create-service.ts';
import { startDynamoDbLocal } from '../functions/local/dynamodb-local.ts';
import { startLocalCluster } from '../scripts/local-cluster.ts';
import { countingConnections, countingContext, type RequestCounter } from './counting.ts';

const admin: Principal = { tokenId: 'bench', name: 'bench', role: 'admin', projects: undefined };

const serviceYaml = (name: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ${name}}\nspec:\n  replicas: {{.replicas}}\n  selector: {matchLabels: {app: ${name}}}\n  template:\n    metadata: {labels: {app: ${name}}}\n    spec: {containers: [{name: main, image: "app:1.0"}]}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: ${name}}\nspec: {selector: {app: ${name}}, ports: [{port: 80}]}\n`;

/**
 * Issue 6 and 7 figures on the local cluster: create-to-success time, the
 * requests one env-service change costs, and env detail at 10 and 500 services.
 */
export async function measureEnvironments(): Promise<Array<[string, string]>> {
  const plane = await startLocalCluster({ dataDir: resolve(process.env['BERTH_DATA_DIR'] ?? '.berth') });
  const dynamo = await startDynamoDbLocal();
  const rows: Array<[string, string]> = [];
  const namespaces: string[] = [];
  try {
    const counter: RequestCounter = { dynamo: 0, kube: 0 };
    const { ctx, destroy } = await countingContext(dynamo.endpoint, 'bench-env', counter);
    const connections = countingConnections(
      createClusterConnections({
        loadKubeconfig: (id) => loadKubeconfig(ctx, id),
        connect: (kubeconfig) => createKubeCluster(kubeconfig, { timeoutMs: 30_000 }),
      }),
      counter,
    );
    await registerCluster({ ctx, input: { id: 'local', name: 'local', labels: {}, kubeconfig: plane.kubeconfig } });
    await registerRegistry({
      ctx,
      input: v.parse(RegisterRegistryInput, { id: 'hub', address: 'registry.example.com', namespace: 'bench' }),
    });
    await createProject({
      ctx,
      principal: admin,
      input: { project_key: 'bench', project_name: 'bench', description: '', is_public: false, project_type: 'yaml' },
    });
    for (let index = 0; index < 500; index++) {
      await createRawService({
        ctx,
        principal: admin,
        scope: 'test',
        projectKey: 'bench',
        input: {
          service_name: `svc-${index}`,
          yaml: serviceYaml(`svc-${index}`),
          variable_yaml: [{ key: 'replicas', value: '1', type: 'string', options: [], desc: '' }],
        },
      });
    }
    const suffix = randomBytes(3).toString('hex');
    const environment = async (envKey: string, count: number, replicas: number) => {
      const namespace = `bench-${envKey}-${suffix}`;
      namespaces.push(namespace);
      const services = Array.from({ length: count }, (_, index) => ({
        service_name: `svc-${index}`,
        containers: [],
        variable_kvs: [{ key: 'replicas', value: String(replicas), use_global_variable: false }],
      }));
      const started = performance.now();
      const { operationId } = await createEnvironment({
        ctx,
        principal: admin,
        projectKey: 'bench',
        scope: 'test',
        input: {
          env_key: envKey,
          cluster_id: 'local',
          namespace,
          registry_id: 'hub',
          global_variables: [],
          services,
          env_configs: [],
        },
      });
      await runOperation({ ctx, connections, id: operationId });
      return performance.now() - started;
    };

    for (const count of [1, 20, 100]) {
      const elapsed = await environment(`create${count}`, count, 1);
      rows.push([
        `environment of ${count} service(s): create request to status success (worker run directly, stream delivery excluded)`,
        `${(elapsed / 1000).toFixed(2)} s`,
      ]);
    }

    counter.dynamo = 0;
    counter.kube = 0;
    const { operationId } = await updateEnvServices({
      ctx,
      principal: admin,
      projectKey: 'bench',
      scope: 'test',
      envKey: 'create20',
      services: [
        {
          service_name: 'svc-3',
          containers: [],
          variable_kvs: [{ key: 'replicas', value: '2', use_global_variable: false }],
        },
      ],
    });
    const requestDynamo = counter.dynamo;
    await runOperation({ ctx, connections, id: operationId });
    rows.push([
      'one env-service change in an environment of 20 services: DynamoDB requests (request + worker)',
      `${requestDynamo} + ${counter.dynamo - requestDynamo}`,
    ]);
    rows.push(['one env-service change in an environment of 20 services: Kubernetes requests', String(counter.kube)]);

    await environment('detail10', 10, 1);
    await environment('detail500', 500, 10);
    const pods = async (namespace: string) =>
      (await (await connections.get('local')).listPods(namespace)).filter((pod) => pod.phase === 'Running').length;
    const waitStarted = performance.now();
    while ((await pods(namespaces.at(-1)!)) < 5000 && performance.now() - waitStarted < 600_000)
      await new Promise((done) => setTimeout(done, 2000));
    rows.push([
      '5,000 pods Running on kwok for the 500-service environment',
      `${((performance.now() - waitStarted) / 1000).toFixed(0)} s after its apply`,
    ]);
    for (const [envKey, label] of [
      ['detail10', '10 services, 10 pods'],
      ['detail500', '500 services, 5,000 pods'],
    ] as const) {
      const samples: number[] = [];
      let calls = 0;
      for (let run = 0; run < 5; run++) {
        counter.kube = 0;
        const started = performance.now();
        await getEnvironment({ ctx, principal: admin, projectKey: 'bench', scope: 'test', envKey, connections });
        samples.push(performance.now() - started);
        calls = counter.kube;
      }
      samples.sort((a, b) => a - b);
      rows.push([`env detail, ${label}: median of 5`, `${samples[2]!.toFixed(0)} ms, ${calls} Kubernetes requests`]);
    }
    destroy();
  } finally {
    const cluster = createKubeCluster(plane.kubeconfig, { timeoutMs: 30_000 });
    for (const namespace of namespaces) await cluster.deleteNamespace(namespace);
    await cluster.close();
    await dynamo.stop();
  }
  return rows;
}
