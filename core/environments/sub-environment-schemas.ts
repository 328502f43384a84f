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
const PortalHost = v.pipe(
  v.string(),
  v.minLength(1, 'must not be empty'),
  v.maxLength(253, 'must be at most 253 characters'),
  v.regex(
    /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
    'must be a lowercase domain name or IP address',
  ),
);

/** Zadig's `OpenAPISetPortalServiceRequest`: one host and port the entry service answers on. */
export const PortalServer = v.object({
  host: PortalHost,
  port_number: v.pipe(
    v.number('must be a number'),
    v.integer('must be an integer'),
    v.minValue(1, 'must be at least 1'),
    v.maxValue(65535, 'must be at most 65535'),
  ),
  port_protocol: v.picklist(PORTAL_PROTOCOLS, `must be one of ${PORTAL_PROTOCOLS.join(', ')}`),
});
export type PortalServer = v.InferOutput<typeof PortalServer>;

/** The body of "Set Entry Service": the servers, in order; an empty list removes the portal. */
export const SetPortalInput = v.pipe(
  v.array(PortalServer, 'must be a list of servers'),
  v.maxLength(32, 'must name at most 32 servers'),
  v.check(
    (servers) => new Set(servers.map((server) => `${server.host}:${server.port_number}`)).size === servers.length,
    'must not name the same host and port twice',
  ),
);
export type SetPortalInput = v.InferOutput<typeof SetPortalInput>;
