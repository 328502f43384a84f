import { DomainError } from '../errors.ts';

/**
 * The Helm port: what Berth asks of Helm, whatever runs it (the `helm` 4
 * binary today, see `helm-binary.ts`; the Go SDK in a sidecar function would
 * fit the same shape). Values go in and come out as plain data; charts are
 * either an archive in hand (an upload being checked) or an OCI artifact
 * addressed by digest.
 */

/** Where a release lives: a cluster (its kubeconfig, opened by the caller), a namespace, a release name. */
export type HelmTarget = { kubeconfig: string; namespace: string; release: string };

/** A registry Helm pushes to or pulls from, with the credentials registered for it (never logged). */
export type HelmRegistry = {
  /** `host[:port]` as image names spell it. */
  host: string;
  plainHttp: boolean;
  credentials?: { username: string; password: string } | undefined;
};

/** A chart: an archive's bytes, or an OCI reference `oci://host/path/name@sha256:...` in a registry. */
export type ChartSource = { archive: Uint8Array } | { oci: string; registry: HelmRegistry };

export type HelmReleaseStatus =
  | 'unknown'
  | 'deployed'
  | 'uninstalled'
  | 'superseded'
  | 'failed'
  | 'uninstalling'
  | 'pending-install'
  | 'pending-upgrade'
  | 'pending-rollback';

/** One revision of a release, as `helm history` lists it. */
export type HelmRevision = {
  revision: number;
  status: HelmReleaseStatus;
  chart: string;
  appVersion: string;
  updated: string;
  description: string;
};

export type UpgradeOptions = {
  /** Revisions Helm keeps per release (`--history-max`). */
  historyMax: number;
  timeoutSeconds: number;
  /** Adopt objects that exist without Helm's annotations (`--take-ownership`). */
  takeOwnership?: boolean;
  /** The revision's description in the release history (`--description`), to find it again for a rollback. */
  description?: string;
};

export interface HelmEngine {
  /** The engine's version, e.g. `v4.1.4`. */
  version(): Promise<string>;
  /** `helm lint` of an archive (with `values` over its own): an InvalidInputError carrying Helm's findings when it fails. */
  lint(archive: Uint8Array, values?: Record<string, unknown>): Promise<void>;
  /** `helm template`: the rendered manifests (an InvalidInputError when the chart does not render). */
  template(input: {
    chart: ChartSource;
    release: string;
    namespace: string;
    values: Record<string, unknown>;
  }): Promise<string>;
  /** `helm push` of an archive to `oci://<host>/<repository>`; answers the manifest digest. */
  push(input: { archive: Uint8Array; registry: HelmRegistry; repository: string }): Promise<{ digest: string }>;
  /** `helm upgrade --install`; answers the revision and status Helm recorded, and the manifest it applied. */
  upgradeInstall(input: {
    target: HelmTarget;
    chart: ChartSource;
    values: Record<string, unknown>;
    options: UpgradeOptions;
  }): Promise<{ revision: number; status: HelmReleaseStatus; manifest: string }>;
  /** `helm rollback` to a revision of the release's history. */
  rollback(input: { target: HelmTarget; revision: number; options: UpgradeOptions }): Promise<void>;
  /** `helm get values` (`all`: computed, chart defaults included); a release that does not exist is a NotFoundError. */
  getValues(input: { target: HelmTarget; all: boolean }): Promise<Record<string, unknown>>;
  /** `helm history`, oldest first; an empty list when the release does not exist. */
  history(input: { target: HelmTarget; max?: number }): Promise<HelmRevision[]>;
  /** `helm uninstall`; a release already gone is not an error. */
  uninstall(input: { target: HelmTarget; timeoutSeconds: number }): Promise<void>;
}

/** Statuses in which another Helm action holds the release: an upgrade now would fail, or race it. */
export const isPending = (status: HelmReleaseStatus): boolean => status.startsWith('pending-');

/** The context's Helm engine; a function deployed without the Helm layer using it is a deployment mistake. */
export async function requireHelm(ctx: { helm?: () => Promise<HelmEngine> }): Promise<HelmEngine> {
  if (!ctx.helm) throw new DomainError('Internal', 'this function was deployed without the Helm layer');
  return ctx.helm();
}
