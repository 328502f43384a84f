import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { Agent, request } from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';
import { createKubeCluster } from '../core/cluster/kube-cluster.ts';
import { counted, versus, type Figure } from './figures.ts';
import { benchKubeconfig } from './harness.ts';

const CALLS = 100;

/** Client sockets opened while `work` runs (Node publishes each one on `net.client.socket`), and its time. */
async function socketsOpened(work: () => Promise<void>): Promise<{ sockets: number; ms: number }> {
  let sockets = 0;
  const count = () => sockets++;
  subscribe('net.client.socket', count);
  const started = performance.now();
  try {
    await work();
    return { sockets, ms: performance.now() - started };
  } finally {
    unsubscribe('net.client.socket', count);
  }
}

const ROUNDS = 7;

const median = (samples: number[]) => samples.toSorted((a, b) => a - b)[Math.floor(samples.length / 2)]!;

/**
 * Cluster connections: 100 consecutive reads of a namespace through Berth's
 * cluster gateway (a fresh client, as a cold function has: its first
 * connection is counted and timed), next to a fresh `node:https` keep-alive
 * agent sending the same 100 requests with the same credentials. Each side's
 * TLS connections are the client sockets it opened. The two sides alternate
 * for several rounds and each reports its median: one round of 100 calls
 * takes about 150 ms, and a single pair moved between 1.08x and 1.44x from
 * one run to the next on the shared machine.
 */
export async function measureConnections(): Promise<Figure[]> {
  const kubeconfig = await benchKubeconfig();
  // Each side runs its code once on a client of its own first, so neither pays for compiling it in the timing.
  const warmUp = createKubeCluster(kubeconfig, { timeoutMs: 30_000 });
  for (let call = 0; call < 20; call++) await warmUp.namespaceExists('default');
  await warmUp.close();

  const config = new KubeConfig();
  config.loadFromString(kubeconfig);
  const server = new URL(config.getCurrentCluster()!.server);
  const options: { headers?: Record<string, string>; ca?: Buffer; cert?: Buffer; key?: Buffer } = {};
  await config.applyToHTTPSOptions(options);
  const get = (agent: Agent) =>
    new Promise<void>((done, fail) => {
      const call = request(
        {
          host: server.hostname,
          port: server.port,
          path: '/api/v1/namespaces/default',
          agent,
          headers: options.headers,
        },
        (response) => {
          response.resume();
          response.on('end', () => (response.statusCode === 200 ? done() : fail(new Error(`${response.statusCode}`))));
        },
      );
      call.on('error', fail);
      call.end();
    });
  const warmAgent = new Agent({ keepAlive: true, maxSockets: 1, ...options });
  for (let call = 0; call < 20; call++) await get(warmAgent);
  warmAgent.destroy();

  const berth: { sockets: number; ms: number }[] = [];
  const anchor: { sockets: number; ms: number }[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const cluster = createKubeCluster(kubeconfig, { timeoutMs: 30_000 });
    berth.push(
      await socketsOpened(async () => {
        for (let call = 0; call < CALLS; call++) await cluster.namespaceExists('default');
      }),
    );
    await cluster.close();
    const agent = new Agent({ keepAlive: true, maxSockets: 1, ...options });
    anchor.push(
      await socketsOpened(async () => {
        for (let call = 0; call < CALLS; call++) await get(agent);
      }),
    );
    agent.destroy();
  }

  return [
    counted(
      'connections',
      `TLS connections opened by ${CALLS} consecutive cluster calls (most in a round)`,
      'connections',
      Math.max(...berth.map((round) => round.sockets)),
      2,
      { name: 'node:https keep-alive agent', value: Math.max(...anchor.map((round) => round.sockets)) },
    ),
    versus(
      'connections',
      `${CALLS} consecutive cluster calls: time (median of ${ROUNDS} rounds)`,
      'ms',
      median(berth.map((round) => round.ms)),
      { name: 'node:https keep-alive agent', value: median(anchor.map((round) => round.ms)) },
      1.2,
    ),
  ];
}
