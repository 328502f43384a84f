import { type LookupAddress, lookup as dnsLookup } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { InvalidInputError } from '../errors.ts';

/** Where outbound webhooks may go: loopback only when Berth runs locally (its tests, a developer's machine). */
export type OutboundPolicy = { allowLoopback: boolean };

const refused = new BlockList();
// Private, shared (CGNAT), link-local (the cloud metadata endpoints among them), "this network", multicast and reserved.
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const)
  refused.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['fd00:ec2::', 32],
] as const)
  refused.addSubnet(network, prefix, 'ipv6');
const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** An address as IPv4 when it is an IPv4-mapped IPv6 one (`::ffff:10.0.0.1` is 10.0.0.1). */
function normalised(address: string): { address: string; family: 'ipv4' | 'ipv6' } {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return { address: mapped[1], family: 'ipv4' };
  return { address, family: isIP(address) === 6 ? 'ipv6' : 'ipv4' };
}

const isLoopback = (address: string): boolean => {
  const { address: ip, family } = normalised(address);
  return loopback.check(ip, family);
};

/** Why an address may not receive webhooks, or undefined when it may. */
export function refusalOf(address: string, policy: OutboundPolicy): string | undefined {
  const { address: ip, family } = normalised(address);
  if (isLoopback(address))
    return policy.allowLoopback ? undefined : `${address} is a loopback address (allowed only in local mode)`;
  if (refused.check(ip, family)) return `${address} is a private, link-local, metadata or reserved address`;
  return undefined;
}

const resolveAll = (host: string): Promise<LookupAddress[]> =>
  new Promise((resolve, reject) =>
    dnsLookup(host, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))),
  );

/**
 * Checks a subscription URL: `https`, or `http` to loopback in local mode,
 * and a host whose every address may receive webhooks. The sender checks the
 * address again at connection time (`guardedLookup`), so a name that
 * resolves elsewhere later (DNS rebinding) is refused then.
 */
export async function requireDeliverableUrl(text: string, policy: OutboundPolicy): Promise<URL> {
  const invalid = (why: string) => new InvalidInputError(`url: ${why}`, 'url');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid('must be an absolute URL');
  }
  if (url.username || url.password) throw invalid('must not carry credentials');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: LookupAddress[];
  try {
    addresses = await resolveAll(host);
  } catch {
    throw invalid(`host ${host} does not resolve`);
  }
  for (const { address } of addresses) {
    const refusal = refusalOf(address, policy);
    if (refusal) throw invalid(`host ${host} resolves to ${refusal}`);
  }
  const allLoopback = addresses.every(({ address }) => isLoopback(address));
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowLoopback && allLoopback))
    throw invalid('must be https (plain http only to loopback, in local mode)');
  return url;
}

/** A `lookup` for sockets that refuses addresses webhooks may not reach: the check holds for the connection made. */
export const guardedLookup =
  (policy: OutboundPolicy) =>
  (
    hostname: string,
    options: object,
    callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const refusal = addresses.map(({ address }) => refusalOf(address, policy)).find(Boolean);
      if (refusal) return callback(Object.assign(new Error(`refused: ${refusal}`), { code: 'EREFUSED' }), []);
      const wantsAll = (options as { all?: boolean }).all === true;
      if (wantsAll) return callback(null, addresses);
      const [first] = addresses;
      return callback(null, first?.address ?? '', first?.family);
    });
  };
