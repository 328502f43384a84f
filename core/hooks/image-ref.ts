/**
 * Image references as Docker parses them: `[host[:port]/]path[:tag][@digest]`.
 * The first component is a registry host when it has a `.` or a `:`, or is
 * `localhost`.
 */
export type ImageRef = { host: string | undefined; path: string; tag: string | undefined; digest: string | undefined };

export function parseImageRef(reference: string): ImageRef {
  const [nameAndTag = '', digest] = reference.split('@', 2);
  const slash = nameAndTag.indexOf('/');
  const first = slash >= 0 ? nameAndTag.slice(0, slash) : '';
  const hasHost = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const rest = hasHost ? nameAndTag.slice(slash + 1) : nameAndTag;
  const colon = rest.lastIndexOf(':');
  return {
    host: hasHost ? first : undefined,
    path: colon >= 0 ? rest.slice(0, colon) : rest,
    tag: colon >= 0 ? rest.slice(colon + 1) : undefined,
    digest: digest || undefined,
  };
}

/** The repository part (host and path, no tag or digest). */
export const repositoryOf = (reference: string): string => {
  const ref = parseImageRef(reference);
  return ref.host ? `${ref.host}/${ref.path}` : ref.path;
};

export const DIGEST = /^sha256:[a-f0-9]{64}$/;
