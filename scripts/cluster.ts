/**
 * `npm run cluster up|down|status`: the local Kubernetes control plane for
 * development and integration tests. State lives in `$BERTH_DATA_DIR/cluster`
 * (default `.berth/cluster`); `up` leaves the processes running after it exits.
 */
import { resolve } from 'node:path';
import { localClusterStatus, startLocalCluster, stopLocalCluster } from './local-cluster.ts';

const dataDir = resolve(process.env.BERTH_DATA_DIR ?? '.berth');
const command = process.argv[2];

async function up(): Promise<void> {
  const startedAt = performance.now();
  // Ctrl-C would orphan half a cluster (the processes are detached): tear it down instead.
  process.once('SIGINT', () => {
    console.error('interrupted; stopping the local cluster');
    void stopLocalCluster(dataDir).finally(() => process.exit(130));
  });
  const cluster = await startLocalCluster({ dataDir, log: (line) => console.error(line) });
  console.error(`local cluster ready at ${cluster.server} in ${((performance.now() - startedAt) / 1000).toFixed(1)}s`);
  console.log(cluster.kubeconfigPath);
}

async function down(): Promise<void> {
  await stopLocalCluster(dataDir);
  console.error('local cluster stopped');
}

async function status(): Promise<void> {
  const { running, server, kubeconfigPath, processes } = await localClusterStatus(dataDir);
  console.log(`local cluster: ${running ? 'running' : processes.length === 0 ? 'not started' : 'NOT healthy'}`);
  if (server !== undefined) console.log(`server:     ${server}`);
  console.log(`kubeconfig: ${kubeconfigPath}`);
  for (const { name, pid, alive, logFile } of processes) {
    console.log(`  ${name.padEnd(24)} pid ${String(pid).padEnd(8)} ${alive ? 'alive' : 'DEAD '}  ${logFile}`);
  }
  if (!running) process.exitCode = 3;
}

const commands: Record<string, () => Promise<void>> = { up, down, status };
const run = command === undefined ? undefined : commands[command];
if (run === undefined) {
  console.error('usage: npm run cluster up|down|status   (data dir: $BERTH_DATA_DIR, default .berth)');
  process.exit(2);
}
try {
  await run();
} catch (error) {
  console.error(`cluster ${command} failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
