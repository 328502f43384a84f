import * as v from 'valibot';
import { TrimmedRfc1123Label } from '../names.ts';
import { OteProjectName, ThirdPartyRepositoryId } from '../repository/schemas.ts';

/** What the document types `uint32`: a non-negative integer. */
const Uint32 = v.pipe(
  v.number('must be a number'),
  v.integer('must be an integer'),
  v.minValue(0, 'must not be negative'),
  v.maxValue(4294967295, 'must fit in 32 bits'),
);
const PortNumber = v.pipe(
  v.number('must be a number'),
  v.integer('must be an integer'),
  v.minValue(1, 'must be between 1 and 65535'),
  v.maxValue(65535, 'must be between 1 and 65535'),
);
const AbsolutePath = v.pipe(
  v.string(),
  // NUL as \u0000, not \0, which generators of the OpenAPI document's patterns cannot read.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: a path cannot hold a NUL, so matching it is the point
  v.regex(/^\/[^\u0000]*$/, 'must be an absolute path'),
  v.maxLength(4096),
);

/** `x.x`, and as the document's own examples do, more parts (`1.2.3.4`). */
export const AppVersion = v.pipe(
  v.string(),
  v.trim(),
  v.maxLength(64, 'must be at most 64 characters'),
  v.regex(/^[0-9]+(?:\.[0-9]+)+$/, 'must be a version of the form x.x (digits and dots, e.g. 1.1)'),
);

export const AppName = TrimmedRfc1123Label;

const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const HOST = '(?:[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*(?::[0-9]{1,5})?/)';
/** `[host[:port]/]path[:tag][@digest]`, as a pod's `image` takes it. */
export const ImageReference = v.pipe(
  v.string(),
  v.trim(),
  v.maxLength(512),
  v.regex(
    new RegExp(
      `^${HOST}?${COMPONENT}(?:/${COMPONENT})*(?::[A-Za-z0-9_][A-Za-z0-9._-]{0,127})?(?:@sha256:[a-f0-9]{64})?$`,
    ),
    'must be an image reference ([host[:port]/]name[:tag][@sha256:digest], lowercase name)',
  ),
);

const Port = v.strictObject({
  port: PortNumber,
  hostPort: v.optional(PortNumber),
  protocol: v.optional(v.picklist(['TCP', 'UDP'], 'must be TCP or UDP'), 'TCP'),
});

const Volume = v.strictObject({ path: AbsolutePath, hostPath: AbsolutePath, readOnly: v.optional(v.boolean(), false) });

const Env = v.strictObject({
  name: v.pipe(v.string(), v.regex(/^[-._a-zA-Z][-._a-zA-Z0-9]*$/, 'must be an environment variable name')),
  value: v.optional(v.string(), ''),
});

const Dependence = v.strictObject({
  name: v.string(),
  service: v.string(),
  port: PortNumber,
});

/** Every documented field; the rules between fields (a min above its max) are the domain's, in `create-app.ts`. */
export const CreateAppInput = v.strictObject({
  appName: AppName,
  deployType: v.picklist(['deployment', 'daemonset'], 'must be deployment or daemonset'),
  image: ImageReference,
  version: AppVersion,
  /** Not in the document's parameters but in its application views: which project the application belongs to. */
  projectName: v.optional(OteProjectName),
  repositoryId: v.optional(ThirdPartyRepositoryId),
  port: v.pipe(v.array(Port), v.maxLength(64)),
  command: v.optional(v.pipe(v.string(), v.maxLength(4096)), ''),
  volume: v.optional(v.pipe(v.array(Volume), v.maxLength(64)), []),
  env: v.optional(v.pipe(v.array(Env), v.maxLength(256)), []),
  dependence: v.optional(v.pipe(v.array(Dependence), v.maxLength(64)), []),
  replicas: v.optional(Uint32),
  minReplicas: v.optional(Uint32),
  maxReplicas: v.optional(Uint32),
  minCPU: Uint32,
  maxCPU: Uint32,
  GPU: v.optional(Uint32, 0),
  isHPA: v.boolean(),
  targetCPUUtilization: Uint32,
  targetMemUtilization: Uint32,
  minMemory: Uint32,
  maxMemory: Uint32,
  maxUnavailable: Uint32,
  maxSurge: Uint32,
  minReadySeconds: Uint32,
});
export type CreateAppInput = v.InferOutput<typeof CreateAppInput>;

export const AppId = v.pipe(v.number('must be an integer'), v.integer('must be an integer'), v.minValue(1));

export const DeleteAppsInput = v.strictObject({
  // Each application is three writes of one transaction (DynamoDB takes 100).
  appId: v.pipe(v.array(AppId), v.minLength(1, 'must name at least one application'), v.maxLength(30)),
});
