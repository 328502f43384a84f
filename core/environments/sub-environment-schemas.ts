import * as v from 'valibot';

/** What a readiness check asks about: the state sharing was just moved to. */
export const ShareOp = v.picklist(['enable', 'disable'], 'must be enable or disable');
export type ShareOp = v.InferOutput<typeof ShareOp>;

/**
 * Protocols an Istio Gateway server can serve with what this API takes (host
 * and port only): HTTPS and TLS would need certificates it has no field for.
 */
export const PORTAL_PROTOCOLS = ['HTTP', 'HTTP2', 'GRPC'] as const;

/** A host a portal answers for: a DNS name (optionally `*.`-wildcarded) or an IPv4 address, lowercase. */
export const PortalHost = v.pipe(
  v.string(),
  v.minLength(1, 'must not be empty'),
  v.maxLength(253, 'must be at most 253 characters'),
  v.regex(
    /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
    'must be a lowercase domain name or IP address',
  ),
);

export type PortalProtocol = (typeof PORTAL_PROTOCOLS)[number];

/** A host and port the entry service answers on. */
export type PortalServer = { host: string; port: number; protocol: PortalProtocol };
