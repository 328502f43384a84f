import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { RELEASE_HISTORY_MAX, RELEASE_TIMEOUT_SECONDS } from '../core/environments/apply-helm-service.ts';
import type { HelmRegistry, HelmTarget } from '../core/helm/helm-engine.ts';
import { helmBinary, startHelm } from '../functions/runtime/helm.ts';
import { startLocalCluster } from '../scripts/local-cluster.ts';
import { demoChart } from '../test/support/charts.ts';
import { startOciRegistry } from '../test/support/oci-registry.ts';

/**
 * Issue 14 figures: one release installed, then upgraded with the same
 * values (a no-op upgrade), through Berth's Helm port (the chart pulled by
 * digest from the registry, values, kubeconfig and registry credentials
 * written per call, the flags the worker passes) next to `helm upgrade
 * --install` of the same chart file run directly with the same flags, in the
 * same run. Medians of 3.
 */
export async function measureHelm(): Promise<Array<[string, string]>> {
  const plane = await startLocalCluster({ dataDir: resolve(process.env['BERTH_DATA_DIR'] ?? '.berth') });
  const registry = await startOciRegistry();
  const work = await mkdtemp(join(tmpdir(), 'berth-bench-helm-'));
  const kube = new KubeConfig();
  kube.loadFromString(plane.kubeconfig);
  const core = kube.makeApiClient(CoreV1Api);
  const namespace = `bench-helm-${Date.now().toString(36)}`;
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  try {
    const started = performance.now();
    const helm = await startHelm();
    const startMs = performance.now() - started;
    const archive = demoChart({ name: 'bench-web', version: '1.0.0' });
    const helmRegistry: HelmRegistry = {
      host: new URL(registry.url).host,
      plainHttp: true,
      credentials: { username: registry.username, password: registry.password },
    };
    const { digest } = await helm.push({ archive, registry: helmRegistry, repository: 'bench/charts' });
    const chart = { oci: `oci://${helmRegistry.host}/bench/charts/bench-web@${digest}`, registry: helmRegistry };
    const values = { replicaCount: 1 };
    const options = { historyMax: RELEASE_HISTORY_MAX, timeoutSeconds: RELEASE_TIMEOUT_SECONDS };

    const chartFile = join(work, 'chart.tgz');
    const kubeconfigFile = join(work, 'kubeconfig');
    const valuesFile = join(work, 'values.json');
    await writeFile(chartFile, archive);
    await writeFile(kubeconfigFile, plane.kubeconfig, { mode: 0o600 });
    await writeFile(valuesFile, JSON.stringify(values));
    const binary = await helmBinary();
    const env = {
      PATH: '/usr/bin:/bin',
      // Helm's discovery cache goes under HOME: the scratch directory, as Berth's adapter does.
      HOME: work,
      HELM_CACHE_HOME: join(work, 'cache'),
      HELM_CONFIG_HOME: join(work, 'config'),
      HELM_DATA_HOME: join(work, 'data'),
    };
    const direct = (release: string) =>
      promisify(execFile)(
        binary,
        [
          'upgrade',
          release,
          chartFile,
          '--install',
          '--kubeconfig',
          kubeconfigFile,
          '--namespace',
          namespace,
          '--values',
          valuesFile,
          '--server-side=auto',
          '--rollback-on-failure',
          '--wait=watcher',
          `--timeout=${options.timeoutSeconds}s`,
          `--history-max=${options.historyMax}`,
          '--output',
          'json',
        ],
        { env },
      );
    const viaBerth = (release: string) => {
      const target: HelmTarget = { kubeconfig: plane.kubeconfig, namespace, release };
      return helm.upgradeInstall({ target, chart, values, options });
    };

    const time = async (run: () => Promise<unknown>) => {
      const begin = performance.now();
      await run();
      return performance.now() - begin;
    };
    const median = (samples: number[]) => samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;
    const rounds = [0, 1, 2];
    const installs = { berth: [] as number[], direct: [] as number[] };
    const noops = { berth: [] as number[], direct: [] as number[] };
    for (const round of rounds) {
      installs.berth.push(await time(() => viaBerth(`berth-${round}`)));
      installs.direct.push(await time(() => direct(`direct-${round}`)));
      noops.berth.push(await time(() => viaBerth(`berth-${round}`)));
      noops.direct.push(await time(() => direct(`direct-${round}`)));
    }
    const row = (what: string, samples: { berth: number[]; direct: number[] }): Array<[string, string]> => {
      const berth = median(samples.berth);
      const plain = median(samples.direct);
      return [
        [`${what}: Berth's Helm port (OCI by digest)`, `${berth.toFixed(0)} ms`],
        [`${what}: helm upgrade --install (chart file)`, `${plain.toFixed(0)} ms`],
        [`${what}: ratio Berth / direct`, `${(berth / plain).toFixed(2)}x`],
      ];
    };
    return [
      ['Helm engine start (binary located or extracted, version checked)', `${startMs.toFixed(0)} ms`],
      ...row('install', installs),
      ...row('no-op upgrade', noops),
    ];
  } finally {
    await core.deleteNamespace({ name: namespace }).catch(() => undefined);
    await registry.stop();
    await rm(work, { recursive: true, force: true });
  }
}
