import { resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../../functions/local/dynamodb-local.ts';
import { exportCurrentContext } from '../../functions/local/kubeconfig-file.ts';
import { localClusterStatus, startLocalCluster, stopLocalCluster } from '../../scripts/local-cluster.ts';
import { startOciRegistry, type TestRegistry } from './oci-registry.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    kubeconfig: string;
    /** Where the local control plane keeps its state; null when the tests use BERTH_TEST_KUBECONFIG. */
    clusterDataDir: string | null;
    /** A real OCI registry (Debian's docker-registry) on loopback, plain HTTP, basic auth for this one user. */
    registry: TestRegistry;
  }
}

/**
 * Starts what every suite shares, once: DynamoDB Local (in memory; each test
 * file makes its own table), an OCI registry (each test file pushes to its own
 * repositories) and a real Kubernetes control plane, unless
 * BERTH_TEST_KUBECONFIG names an existing cluster. A control plane that was
 * already running is reused and left running.
 */
export default async function setup(project: TestProject) {
  const dynamo = await startDynamoDbLocal();
  project.provide('dynamoEndpoint', dynamo.endpoint);
  const registry = await startOciRegistry();
  project.provide('registry', { url: registry.url, username: registry.username, password: registry.password });

  const existing = process.env['BERTH_TEST_KUBECONFIG'];
  let stopCluster = async () => {};
  if (existing) {
    project.provide('kubeconfig', exportCurrentContext(existing));
    project.provide('clusterDataDir', null);
  } else {
    const dataDir = resolve(process.env['BERTH_DATA_DIR'] ?? '.berth');
    const wasRunning = (await localClusterStatus(dataDir)).running;
    const cluster = await startLocalCluster({ dataDir, log: (line) => process.stderr.write(`[cluster] ${line}\n`) });
    project.provide('kubeconfig', cluster.kubeconfig);
    project.provide('clusterDataDir', dataDir);
    if (!wasRunning) stopCluster = () => stopLocalCluster(dataDir);
  }

  return async () => {
    await dynamo.stop();
    await registry.stop();
    await stopCluster();
  };
}
