import { resolve } from 'node:path';
import { createClusterConnections } from '../core/cluster/connections.ts';
import { createKubeCluster } from '../core/cluster/kube-cluster.ts';
import { loadKubeconfig } from '../core/clusters/cluster-item.ts';
import { registerCluster } from '../core/clusters/register-cluster.ts';
import { startDynamoDbLocal } from '../functions/local/dynamodb-local.ts';
import { createVKubeApp } from '../functions/v-kube/app.ts';
import { startLocalCluster } from '../scripts/local-cluster.ts';
import { countingConnections, countingContext, type RequestCounter } from './counting.ts';

const SAMPLES = 25;

/**
 * Issue 13's figures: `GET /k8s/regions` and `POST /k8s/checkports` with 1
 * and 5 registered clusters (the local control plane registered under 5 ids,
 * each with its own client), through the app as the Lambda runs it: latency
 * (median and p95 of 25, after warm-up) and the requests each call sends.
 */
export async function measureVKube(): Promise<Array<[string, string]>> {
  const plane = await startLocalCluster({ dataDir: resolve(process.env['BERTH_DATA_DIR'] ?? '.berth') });
  const dynamo = await startDynamoDbLocal();
  const counter: RequestCounter = { dynamo: 0, kube: 0 };
  const { ctx, destroy } = await countingContext(dynamo.endpoint, 'bench-vkube', counter);
  const rows: Array<[string, string]> = [];
  try {
    const connections = countingConnections(
      createClusterConnections({
        loadKubeconfig: (id) => loadKubeconfig(ctx, id),
        connect: (kubeconfig) => createKubeCluster(kubeconfig, { timeoutMs: 30_000 }),
      }),
      counter,
    );
    const app = createVKubeApp({ ctx, connections, log: () => {} });
    const requests = {
      'GET /k8s/regions': () => new Request('http://berth.bench/k8s/regions'),
      'POST /k8s/checkports': () =>
        new Request('http://berth.bench/k8s/checkports', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ region: 'cn-north', ports: [22, 3306, 1234, 1111] }),
        }),
    };
    let registered = 0;
    for (const clusters of [1, 5]) {
      for (; registered < clusters; registered++) {
        await registerCluster({
          ctx,
          input: { id: `c${registered}`, name: `c${registered}`, labels: {}, kubeconfig: plane.kubeconfig },
        });
      }
      for (const [name, request] of Object.entries(requests)) {
        for (let warm = 0; warm < 3; warm++) await checked(app.fetch(request()));
        counter.dynamo = 0;
        counter.kube = 0;
        const samples: number[] = [];
        for (let run = 0; run < SAMPLES; run++) {
          const started = performance.now();
          await checked(app.fetch(request()));
          samples.push(performance.now() - started);
        }
        samples.sort((a, b) => a - b);
        const median = samples[Math.floor(SAMPLES / 2)]!;
        const p95 = samples[Math.ceil(SAMPLES * 0.95) - 1]!;
        rows.push([
          `${name}, ${clusters} cluster(s): latency median / p95`,
          `${median.toFixed(1)} / ${p95.toFixed(1)} ms`,
        ]);
        rows.push([
          `${name}, ${clusters} cluster(s): requests per call, Kubernetes + DynamoDB`,
          `${counter.kube / SAMPLES} + ${counter.dynamo / SAMPLES}`,
        ]);
      }
    }
  } finally {
    destroy();
    await dynamo.stop();
  }
  return rows;
}

async function checked(response: Response | Promise<Response>): Promise<void> {
  const answered = await response;
  const body = await answered.text();
  if (answered.status !== 200) throw new Error(`the bench request failed (${answered.status}): ${body}`);
}
