import * as v from 'valibot';
import { Rfc1123Label } from '../names.ts';

const ClusterLabels = v.record(
  v.pipe(
    v.string(),
    v.regex(/^[A-Za-z0-9]([-A-Za-z0-9_./]{0,251}[A-Za-z0-9])?$/, 'label keys must be Kubernetes label keys'),
  ),
  v.pipe(v.string(), v.maxLength(63)),
);

const Kubeconfig = v.pipe(v.string(), v.minLength(1, 'must not be empty'), v.maxLength(256 * 1024));

export const RegisterClusterInput = v.strictObject({
  id: Rfc1123Label,
  name: v.pipe(v.string(), v.trim(), v.minLength(1, 'must not be empty'), v.maxLength(128)),
  labels: v.optional(ClusterLabels, {}),
  kubeconfig: Kubeconfig,
});
export type RegisterClusterInput = v.InferOutput<typeof RegisterClusterInput>;

export const UpdateClusterInput = v.strictObject({
  name: v.optional(v.pipe(v.string(), v.trim(), v.minLength(1, 'must not be empty'), v.maxLength(128))),
  labels: v.optional(ClusterLabels),
  kubeconfig: v.optional(Kubeconfig),
});
export type UpdateClusterInput = v.InferOutput<typeof UpdateClusterInput>;

export type ClusterStatus = 'pending' | 'ready' | 'unreachable';

/** A cluster as the API shows it: the kubeconfig never leaves the store. */
export type ClusterView = {
  id: string;
  name: string;
  labels: Record<string, string>;
  server: string;
  status: ClusterStatus;
  kube_version: string | null;
  status_message: string | null;
  checked_at: string | null;
  created_at: string;
  updated_at: string;
  version: number;
};
