/**
 * YAML for services: the checks every rendered service must pass, the
 * containers it runs, and Zadig's system placeholders. Reading YAML safely is
 * `core/yaml.ts`.
 */
import { InvalidInputError } from '../errors.ts';
import { parseYamlStream, type YamlLimits } from '../yaml.ts';
import { imageName } from './image-name.ts';

export { imageName } from './image-name.ts';

/* ----------------------------------------------------------------------------
 * Kubernetes objects
 * ------------------------------------------------------------------------- */

export interface ManifestObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

const nonEmptyString = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '';

/**
 * Parses a service's (rendered) YAML into Kubernetes objects. Empty documents
 * are skipped. Every other document must be a mapping with `apiVersion`,
 * `kind` and `metadata.name`, and no two may describe the same object; all
 * problems are reported in one `InvalidInputError`, each naming its document.
 *
 * @example parseManifests('apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n')
 */
export function parseManifests(
  source: string,
  options: { limits?: Partial<YamlLimits>; field?: string } = {},
): ManifestObject[] {
  const documents = parseYamlStream(source, 'yaml', options.limits, options.field);
  const problems: string[] = [];
  const objects: ManifestObject[] = [];
  const seen = new Map<string, number>();

  for (const { index, line, value } of documents) {
    if (value === null) continue;
    const where = `document ${index} (line ${line})`;
    if (!isRecord(value)) {
      problems.push(
        `${where} is ${Array.isArray(value) ? 'a list' : `the scalar ${JSON.stringify(value)}`}, not a Kubernetes object`,
      );
      continue;
    }
    const missing: string[] = [];
    if (!nonEmptyString(value.apiVersion)) missing.push('apiVersion');
    if (!nonEmptyString(value.kind)) missing.push('kind');
    const metadata = value.metadata;
    if (!isRecord(metadata) || !nonEmptyString(metadata.name)) missing.push('metadata.name');
    if (missing.length > 0) {
      problems.push(`${where} has no ${missing.join(', no ')} (each must be a non-empty string)`);
      continue;
    }
    const object = value as unknown as ManifestObject;
    const group = object.apiVersion.includes('/') ? object.apiVersion.slice(0, object.apiVersion.indexOf('/')) : '';
    const namespace = typeof object.metadata.namespace === 'string' ? object.metadata.namespace : '';
    const identity = `${group}|${object.kind}|${namespace}|${object.metadata.name}`;
    const first = seen.get(identity);
    if (first !== undefined) {
      problems.push(`${where} repeats ${object.kind} "${object.metadata.name}" from document ${first}`);
      continue;
    }
    seen.set(identity, index);
    objects.push(object);
  }
  if (problems.length === 0 && objects.length === 0) problems.push('contains no Kubernetes objects');
  if (problems.length > 0) throw new InvalidInputError(`yaml: ${problems.join('; ')}`, options.field);
  return objects;
}

/* ----------------------------------------------------------------------------
 * Containers
 * ------------------------------------------------------------------------- */

/**
 * A container of a service, as service items store it: `image_name` is the
 * attribute name the table has always had (Zadig's, which the first
 * responses passed through as stored).
 */
export interface ServiceContainer {
  readonly name: string;
  readonly image: string;
  /** The image repository's last path segment, without tag or digest. */
  readonly image_name: string;
}

/** Where each workload kind keeps its pod spec. */
const POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
  Pod: ['spec'],
};

/**
 * The containers (then the init containers) of every workload, in document
 * order: Deployment, StatefulSet, DaemonSet, Job, CronJob, Pod. An entry
 * repeated with the same name and image is listed once. A container without a
 * name or an image is an `InvalidInputError` naming the object.
 */
export function extractContainers(objects: readonly ManifestObject[], field?: string): ServiceContainer[] {
  const containers: ServiceContainer[] = [];
  const seen = new Set<string>();
  for (const object of objects) {
    const path = POD_SPEC_PATHS[object.kind];
    if (!path) continue;
    let podSpec: unknown = object;
    for (const key of path) podSpec = isRecord(podSpec) ? podSpec[key] : undefined;
    if (!isRecord(podSpec)) continue;
    for (const list of ['containers', 'initContainers'] as const) {
      const entries = podSpec[list];
      if (entries === undefined || entries === null) continue;
      const where = `${object.kind} "${object.metadata.name}"`;
      if (!Array.isArray(entries)) throw new InvalidInputError(`yaml: ${where}: ${list} must be a list`, field);
      entries.forEach((entry: unknown, i) => {
        const name = isRecord(entry) ? entry.name : undefined;
        const image = isRecord(entry) ? entry.image : undefined;
        if (!nonEmptyString(name) || !nonEmptyString(image)) {
          throw new InvalidInputError(`yaml: ${where}: ${list}[${i}] needs a name and an image`, field);
        }
        const key = `${name}\n${image}`;
        if (seen.has(key)) return;
        seen.add(key);
        containers.push({ name, image, image_name: imageName(image) });
      });
    }
  }
  return containers;
}

/* ----------------------------------------------------------------------------
 * System placeholders
 * ------------------------------------------------------------------------- */

/** Values for Zadig's system placeholders; one left undefined keeps its placeholder text. */
export interface SystemPlaceholders {
  /** `$Namespace$` */
  readonly namespace?: string;
  /** `$EnvName$` */
  readonly envName?: string;
  /** `$Product$` (the project) */
  readonly product?: string;
  /** `$Service$` */
  readonly service?: string;
}

export const SYSTEM_PLACEHOLDERS = {
  namespace: '$Namespace$',
  envName: '$EnvName$',
  product: '$Product$',
  service: '$Service$',
} as const satisfies Record<keyof SystemPlaceholders, string>;

/**
 * Plain string replacement of the system placeholders, outside the template
 * language (as Zadig does, before and after rendering).
 *
 * @example substitutePlaceholders('ns: $Namespace$', { namespace: 'dev' }) // 'ns: dev'
 */
export function substitutePlaceholders(text: string, values: SystemPlaceholders): string {
  let out = text;
  for (const [name, placeholder] of Object.entries(SYSTEM_PLACEHOLDERS) as Array<[keyof SystemPlaceholders, string]>) {
    const value = values[name];
    if (value !== undefined) out = out.replaceAll(placeholder, value);
  }
  return out;
}

/** `substitutePlaceholders` on every string (not key) inside a JSON-like value. */
export function substitutePlaceholdersDeep(value: unknown, values: SystemPlaceholders): unknown {
  if (typeof value === 'string') return substitutePlaceholders(value, values);
  if (Array.isArray(value)) return value.map((item) => substitutePlaceholdersDeep(item, values));
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      Object.defineProperty(out, key, {
        value: substitutePlaceholdersDeep(item, values),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value;
}
