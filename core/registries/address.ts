/**
 * Where a registry answers and what Kubernetes calls it. An address is an
 * http(s) URL without a path (`https://harbor.example.com`) or a bare
 * `host[:port]` (`harbor.example.com:8443`), the way `docker login` takes it.
 */
export type RegistryEndpoint = {
  /** The distribution API's origin, e.g. `https://harbor.example.com:8443`. */
  baseUrl: string;
  /** `host[:port]` (default ports dropped): the key of `.dockerconfigjson` and the prefix of image names. */
  host: string;
};

const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const AUTHORITY = `(?:\\[[0-9A-Fa-f:.]+\\]|${LABEL}(?:\\.${LABEL})*)(?::\\d{1,5})?`;
const ADDRESS = new RegExp(`^(?:(https?)://)?(${AUTHORITY})/?$`, 'i');

/** `undefined` when the text is not a usable registry address. */
export function parseRegistryAddress(
  address: string,
  { insecure }: { insecure: boolean },
): RegistryEndpoint | undefined {
  const match = ADDRESS.exec(address.trim());
  if (!match) return undefined;
  const [, scheme, authority] = match;
  // Without a scheme, HTTPS, as Docker does; plain HTTP only for a registry marked insecure.
  const protocol = scheme?.toLowerCase() ?? (insecure ? 'http' : 'https');
  let url: URL;
  try {
    url = new URL(`${protocol}://${authority}`);
  } catch {
    return undefined;
  }
  // The URL parser reads "10.1" as the IPv4 address 10.0.0.1; such a host is not what the caller meant.
  const givenHost = authority!.replace(/:\d+$/, '').toLowerCase();
  if (url.hostname !== givenHost && !givenHost.startsWith('[')) return undefined;
  return { baseUrl: url.origin, host: url.host };
}

export const isPlainHttp = (address: string): boolean => /^http:\/\//i.test(address.trim());
