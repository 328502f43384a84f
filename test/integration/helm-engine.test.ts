import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DomainError } from '../../core/errors.ts';
import type { HelmEngine, HelmRegistry, HelmTarget } from '../../core/helm/helm-engine.ts';
import { startHelm } from '../../functions/runtime/helm.ts';
import { demoChart } from '../support/charts.ts';
import { createNamespace, kube, runningPods } from '../support/kube.ts';

let helm: HelmEngine;
let namespace: { name: string; remove(): Promise<void> };
let registry: HelmRegistry;
let target: HelmTarget;

beforeAll(async () => {
  helm = await startHelm();
  namespace = await createNamespace('helm-engine');
  const { url, username, password } = inject('registry');
  registry = { host: new URL(url).host, plainHttp: true, credentials: { username, password } };
  target = { kubeconfig: inject('kubeconfig'), namespace: namespace.name, release: 'web' };
});
afterAll(async () => {
  await namespace?.remove();
});

const failure = async (promise: Promise<unknown>): Promise<DomainError> => {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('the call succeeded');
};

describe('the helm binary behind the Helm port', () => {
  it('is Helm 4', async () => {
    expect(await helm.version()).toMatch(/^v4\.\d+\.\d+/);
  });

  it('lints and renders an archive, and reports a chart that does not render as a 400', async () => {
    const archive = demoChart({ name: 'web' });
    await helm.lint(archive);
    const manifests = await helm.template({ chart: { archive }, release: 'r1', namespace: 'ns', values: {} });
    expect(manifests).toContain('image: "registry.example.com/demo/web:1.0"');
    const broken = demoChart({ name: 'web', extra: { 'templates/bad.yaml': 'x: {{ .Values.nope.deeper }}' } });
    const error = await failure(helm.lint(broken));
    expect(error.code).toBe('Invalid');
    expect(error.message).toMatch(/nil pointer|nope/);
  });

  it('pushes to the registry, then installs, upgrades and reads back by digest; the pods follow', async () => {
    const { digest } = await helm.push({
      archive: demoChart({ name: 'engine-web', version: '1.0.0' }),
      registry,
      repository: 'helm-engine/charts',
    });
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const chart = { oci: `oci://${registry.host}/helm-engine/charts/engine-web@${digest}`, registry };
    const options = { historyMax: 5, timeoutSeconds: 120 };

    const installed = await helm.upgradeInstall({ target, chart, values: { replicaCount: 2 }, options });
    expect(installed).toMatchObject({ revision: 1, status: 'deployed' });
    expect(installed.manifest).toMatch(/kind: Deployment\nmetadata:\n {2}name: web\n/);
    await runningPods(namespace.name, 'app.kubernetes.io/instance=web', 2);

    const upgraded = await helm.upgradeInstall({
      target,
      chart,
      values: { replicaCount: 1, image: { tag: '2.0' } },
      options,
    });
    expect(upgraded.revision).toBe(2);
    const deployment = await kube().apps.readNamespacedDeployment({ name: 'web', namespace: namespace.name });
    expect(deployment.spec?.template.spec?.containers[0]?.image).toBe('registry.example.com/demo/web:2.0');
    expect(await helm.getValues({ target, all: false })).toEqual({ replicaCount: 1, image: { tag: '2.0' } });
    expect(await helm.getValues({ target, all: true })).toMatchObject({
      replicaCount: 1,
      image: { repository: 'registry.example.com/demo/web', tag: '2.0' },
      port: 80,
    });
    expect((await helm.history({ target })).map((revision) => [revision.revision, revision.status])).toEqual([
      [1, 'superseded'],
      [2, 'deployed'],
    ]);

    await helm.rollback({ target, revision: 1, options });
    expect((await helm.getValues({ target, all: false })) as unknown).toEqual({ replicaCount: 2 });

    await helm.uninstall({ target, timeoutSeconds: 60 });
    expect(await helm.history({ target })).toEqual([]);
    await helm.uninstall({ target, timeoutSeconds: 60 });
    expect((await failure(helm.getValues({ target, all: true }))).code).toBe('NotFound');
  });

  it('reports a digest the registry does not hold as unavailable, not as a bad chart', async () => {
    const chart = { oci: `oci://${registry.host}/helm-engine/charts/engine-web@sha256:${'0'.repeat(64)}`, registry };
    const error = await failure(helm.template({ chart, release: 'r', namespace: 'ns', values: {} }));
    expect(error.code).toBe('Unavailable');
  });
});
