import { InvalidInputError, field, text } from '../errors.ts';
import { parseImageRef, repositoryOf } from '../hooks/image-ref.ts';
import type { Values } from '../helm/values.ts';

/**
 * Where a container's image lives in a release's values: a `repository` and
 * `tag` pair (the `helm create` layout), or one string holding the whole
 * reference. Paths are lists of map keys, so a key with a dot stays one key.
 */
export type ImageValuePaths =
  | { container: string; repository: string[]; tag: string[] }
  | { container: string; image: string[] };

const isMap = (value: unknown): value is Values => value !== null && typeof value === 'object' && !Array.isArray(value);

/** The dotted spelling of a path, as `--set` and Zadig's documents write it (`image.tag`). */
export const dottedPath = (path: readonly string[]): string => path.map((key) => key.replaceAll('.', '\\.')).join('.');

/**
 * The values paths that produce `image`: the first map (depth first, keys in
 * file order) whose `repository` and `tag` spell it, or else the first string
 * equal to it. Lists are not searched: a layer merged over values replaces a
 * list whole, so an image kept inside one could not be set alone.
 */
export function findImagePaths(values: Values, container: string, image: string): ImageValuePaths | undefined {
  const pairs: string[][] = [];
  const strings: string[][] = [];
  const walk = (node: Values, path: string[]) => {
    const { repository, tag } = node;
    if (typeof repository === 'string' && (typeof tag === 'string' || typeof tag === 'number'))
      if (`${repository}:${tag}` === image) pairs.push(path);
    for (const [key, value] of Object.entries(node)) {
      if (value === image) strings.push([...path, key]);
      if (isMap(value)) walk(value, [...path, key]);
    }
  };
  walk(values, []);
  const pair = pairs[0];
  if (pair) return { container, repository: [...pair, 'repository'], tag: [...pair, 'tag'] };
  const whole = strings[0];
  return whole ? { container, image: whole } : undefined;
}

/** Every path `paths` records, dotted: the `--set` keys an image update takes over. */
export const imagePathKeys = (paths: ImageValuePaths): string[] =>
  'image' in paths ? [dottedPath(paths.image)] : [dottedPath(paths.repository), dottedPath(paths.tag)];

/**
 * The values layer setting `image` at `paths`, over `layer`. A pair takes the
 * repository and the tag apart; a digest cannot be spelled as `repo:tag`, so
 * it is a 400 there. Values are strings, as the chart's own values.yaml
 * would have them (a typed `20240101` tag would render as a float).
 */
export function withImage(layer: Values, paths: ImageValuePaths, image: string): Values {
  const out = structuredClone(layer);
  if ('image' in paths) return setAt(out, paths.image, image);
  const ref = parseImageRef(image);
  if (ref.digest)
    throw new InvalidInputError(
      text`${field('image')}: container "${paths.container}" takes its image from ${dottedPath(paths.repository)} and ${dottedPath(paths.tag)}, which cannot hold a digest`,
      'image',
    );
  return setAt(setAt(out, paths.repository, repositoryOf(image)), paths.tag, ref.tag ?? 'latest');
}

/** Sets one path, creating maps on the way; keys are defined, not assigned, so a `__proto__` key stays a key. */
function setAt(values: Values, path: readonly string[], value: string): Values {
  const define = (node: Values, key: string, child: unknown) =>
    Object.defineProperty(node, key, { value: child, enumerable: true, writable: true, configurable: true });
  let node = values;
  for (const key of path.slice(0, -1)) {
    const child = Object.hasOwn(node, key) ? node[key] : undefined;
    if (isMap(child)) node = child;
    else {
      const fresh: Values = {};
      define(node, key, fresh);
      node = fresh;
    }
  }
  define(node, path.at(-1)!, value);
  return values;
}
