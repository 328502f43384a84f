import * as v from 'valibot';

/** Kubernetes object names (RFC 1123 subdomain). */
export const ObjectName = v.pipe(
  v.string(),
  v.maxLength(253, 'must be at most 253 characters'),
  v.regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, 'must be a lowercase RFC 1123 name'),
);

/** Namespace names (RFC 1123 label). */
export const NamespaceName = v.pipe(
  v.string(),
  v.regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a lowercase RFC 1123 label of at most 63 characters'),
);

export const ReplicaCount = v.pipe(v.number(), v.integer('must be an integer'), v.minValue(0, 'must not be negative'), v.maxValue(10_000, 'must be at most 10000'));
