import * as v from 'valibot';
import { InvalidInputError } from '../errors.ts';
import type { HookSource } from './hook-item.ts';
import { DIGEST, parseImageRef } from './image-ref.ts';
import type { HeaderReader } from './signatures.ts';

/** One image push, whatever sent it. */
export type ImageEvent = {
  /** The repository path, without the registry host (`shop/web`). */
  repository: string;
  host: string | undefined;
  tag: string;
  digest: string | undefined;
  time: Date | undefined;
  actor: string | undefined;
};

/**
 * A delivery as Berth reads it: its events, the events it carried that are
 * not pushes of a tagged manifest (and why), and the sender's own id for it
 * when the sender gives one.
 */
export type NormalisedDelivery = {
  senderId: string | undefined;
  events: ImageEvent[];
  ignored: string[];
  /** A sender's connectivity check (GitHub's `ping`): answered, never acted on. */
  ping?: true;
};

const Text = v.pipe(v.string(), v.minLength(1));
const OptionalText = v.optional(v.nullable(v.string()));

const DistributionEnvelope = v.looseObject({
  events: v.array(
    v.looseObject({
      id: OptionalText,
      timestamp: OptionalText,
      action: OptionalText,
      target: v.optional(
        v.looseObject({
          mediaType: OptionalText,
          digest: OptionalText,
          repository: OptionalText,
          tag: OptionalText,
        }),
      ),
      request: v.optional(v.looseObject({ host: OptionalText })),
      actor: v.optional(v.looseObject({ name: OptionalText })),
    }),
  ),
});

const HarborEvent = v.looseObject({
  type: Text,
  occur_at: v.optional(v.number()),
  operator: OptionalText,
  event_data: v.optional(
    v.looseObject({
      resources: v.optional(
        v.array(v.looseObject({ digest: OptionalText, tag: OptionalText, resource_url: OptionalText })),
      ),
      repository: v.optional(v.looseObject({ repo_full_name: OptionalText })),
    }),
  ),
});

const GitHubPackageVersion = v.looseObject({
  version: OptionalText,
  updated_at: OptionalText,
  created_at: OptionalText,
  container_metadata: v.optional(
    v.nullable(v.looseObject({ tag: v.optional(v.looseObject({ name: OptionalText, digest: OptionalText })) })),
  ),
});
const GitHubPackage = v.looseObject({
  name: Text,
  package_type: OptionalText,
  namespace: OptionalText,
  owner: v.optional(v.looseObject({ login: OptionalText })),
  package_version: v.optional(GitHubPackageVersion),
});
const GitHubPackageEvent = v.looseObject({
  action: OptionalText,
  package: v.optional(GitHubPackage),
  registry_package: v.optional(GitHubPackage),
  sender: v.optional(v.looseObject({ login: OptionalText })),
});

const StandardEvent = v.looseObject({
  type: Text,
  timestamp: OptionalText,
  data: v.looseObject({ repository: Text, tag: Text, digest: OptionalText, actor: OptionalText }),
});

const GenericEvent = v.looseObject({ image: Text, tag: Text, digest: OptionalText });

/** An EventBridge event from ECR (`detail-type` "ECR Image Action"), as AWS documents it. */
const EcrEvent = v.looseObject({
  id: Text,
  'detail-type': Text,
  source: Text,
  account: OptionalText,
  region: OptionalText,
  time: OptionalText,
  detail: v.looseObject({
    'action-type': OptionalText,
    result: OptionalText,
    'repository-name': Text,
    'image-digest': OptionalText,
    'image-tag': OptionalText,
  }),
});

/** The event types a Standard Webhooks sender uses for a push. */
const STANDARD_PUSH_TYPES = ['image.pushed', 'image.push'];

/** Turns a verified delivery into image push events; a body that is not the source's shape is a 400. */
export function normalise(source: HookSource, payload: unknown, header: HeaderReader): NormalisedDelivery {
  switch (source) {
    case 'distribution':
      return fromDistribution(parse(DistributionEnvelope, payload, source));
    case 'harbor':
      return fromHarbor(parse(HarborEvent, payload, source));
    case 'github':
      return fromGitHub(header('x-github-event'), header('x-github-delivery'), payload);
    case 'standard-webhooks':
      return fromStandard(parse(StandardEvent, payload, source), header('webhook-id'));
    case 'ecr':
      return fromEcr(parse(EcrEvent, payload, source));
    case 'generic': {
      const body = parse(GenericEvent, payload, source);
      const ref = parseImageRef(body.image);
      return {
        senderId: undefined,
        events: [event({ ...ref, tag: body.tag, digest: body.digest ?? ref.digest })],
        ignored: [],
      };
    }
  }
}

function parse<S extends v.GenericSchema>(schema: S, payload: unknown, source: HookSource): v.InferOutput<S> {
  const result = v.safeParse(schema, payload);
  if (result.success) return result.output;
  const issue = result.issues[0];
  const path = issue.path?.map((item) => String(item.key)).join('.') || 'body';
  throw new InvalidInputError(`not a ${source} delivery: ${path}: ${issue.message}`, 'body');
}

function event(fields: {
  path: string;
  host?: string | undefined | null;
  tag: string;
  digest?: string | undefined | null;
  time?: string | number | undefined | null;
  actor?: string | undefined | null;
}): ImageEvent {
  const time =
    typeof fields.time === 'number' ? new Date(fields.time * 1000) : fields.time ? new Date(fields.time) : undefined;
  return {
    repository: fields.path,
    host: fields.host ?? undefined,
    tag: fields.tag,
    digest: fields.digest && DIGEST.test(fields.digest) ? fields.digest : undefined,
    time: time && !Number.isNaN(time.getTime()) ? time : undefined,
    actor: fields.actor ?? undefined,
  };
}

const MANIFEST_TYPES = /manifest|image\.index/;

function fromDistribution(envelope: v.InferOutput<typeof DistributionEnvelope>): NormalisedDelivery {
  const events: ImageEvent[] = [];
  const ignored: string[] = [];
  for (const entry of envelope.events) {
    const target = entry.target;
    if (entry.action !== 'push')
      ignored.push(`event ${entry.id ?? '?'}: action ${entry.action ?? 'none'} is not a push`);
    else if (!target?.tag || !target.repository)
      ignored.push(`event ${entry.id ?? '?'}: no tag (a blob or a push by digest)`);
    else if (target.mediaType && !MANIFEST_TYPES.test(target.mediaType))
      ignored.push(`event ${entry.id ?? '?'}: ${target.mediaType} is not a manifest`);
    else
      events.push(
        event({
          path: target.repository,
          host: entry.request?.host,
          tag: target.tag,
          digest: target.digest,
          time: entry.timestamp,
          actor: entry.actor?.name,
        }),
      );
  }
  const ids = envelope.events.map((entry) => entry.id).filter((id) => !!id);
  return {
    senderId: ids.length === envelope.events.length && ids.length > 0 ? ids.join(',') : undefined,
    events,
    ignored,
  };
}

function fromHarbor(body: v.InferOutput<typeof HarborEvent>): NormalisedDelivery {
  if (body.type !== 'PUSH_ARTIFACT' && body.type !== 'pushImage')
    return { senderId: undefined, events: [], ignored: [`${body.type} is not a push`] };
  const repository = body.event_data?.repository?.repo_full_name;
  if (!repository)
    throw new InvalidInputError('not a harbor delivery: event_data.repository.repo_full_name is missing', 'body');
  const events = (body.event_data?.resources ?? []).flatMap((resource) =>
    resource.tag
      ? [
          event({
            path: repository,
            host: resource.resource_url ? parseImageRef(resource.resource_url).host : undefined,
            tag: resource.tag,
            digest: resource.digest,
            time: body.occur_at,
            actor: body.operator,
          }),
        ]
      : [],
  );
  return { senderId: undefined, events, ignored: events.length === 0 ? ['no tagged artifact'] : [] };
}

function fromGitHub(kind: string | undefined, delivery: string | undefined, payload: unknown): NormalisedDelivery {
  if (kind === 'ping') return { senderId: delivery, events: [], ignored: [], ping: true };
  if (kind !== 'package' && kind !== 'registry_package')
    return { senderId: delivery, events: [], ignored: [`GitHub event ${kind ?? '(none)'} is not a package push`] };
  const body = parse(GitHubPackageEvent, payload, 'github');
  const pkg = body.package ?? body.registry_package;
  if (body.action !== 'published' && body.action !== 'updated')
    return { senderId: delivery, events: [], ignored: [`package action ${body.action ?? '(none)'} is not a push`] };
  if (!pkg || (pkg.package_type && pkg.package_type.toLowerCase() !== 'container'))
    return { senderId: delivery, events: [], ignored: ['not a container package'] };
  const version = pkg.package_version;
  const tag = version?.container_metadata?.tag?.name;
  if (!tag) return { senderId: delivery, events: [], ignored: ['a push without a tag'] };
  const owner = pkg.namespace ?? pkg.owner?.login ?? '';
  return {
    senderId: delivery,
    events: [
      event({
        path: `${owner}/${pkg.name}`.toLowerCase(),
        host: 'ghcr.io',
        tag,
        digest: version?.container_metadata?.tag?.digest ?? version?.version,
        time: version?.updated_at ?? version?.created_at,
        actor: body.sender?.login,
      }),
    ],
    ignored: [],
  };
}

function fromStandard(body: v.InferOutput<typeof StandardEvent>, id: string | undefined): NormalisedDelivery {
  if (!STANDARD_PUSH_TYPES.includes(body.type))
    return { senderId: id, events: [], ignored: [`event type ${body.type} is not ${STANDARD_PUSH_TYPES[0]}`] };
  const ref = parseImageRef(body.data.repository);
  return {
    senderId: id,
    events: [
      event({ ...ref, tag: body.data.tag, digest: body.data.digest, time: body.timestamp, actor: body.data.actor }),
    ],
    ignored: [],
  };
}

/** The event's id is EventBridge's own, the same on every retry of the invocation. */
function fromEcr(body: v.InferOutput<typeof EcrEvent>): NormalisedDelivery {
  const { detail } = body;
  const none = (reason: string): NormalisedDelivery => ({ senderId: body.id, events: [], ignored: [reason] });
  if (body.source !== 'aws.ecr' || body['detail-type'] !== 'ECR Image Action')
    return none(`${body.source} ${body['detail-type']} is not an ECR image action`);
  if (detail['action-type'] !== 'PUSH') return none(`action ${detail['action-type'] ?? '(none)'} is not a push`);
  if (detail.result !== 'SUCCESS') return none(`push result ${detail.result ?? '(none)'} is not SUCCESS`);
  if (!detail['image-tag']) return none('a push without a tag');
  const host = body.account && body.region ? `${body.account}.dkr.ecr.${body.region}.amazonaws.com` : undefined;
  return {
    senderId: body.id,
    events: [
      event({
        path: detail['repository-name'],
        host,
        tag: detail['image-tag'],
        digest: detail['image-digest'],
        time: body.time,
      }),
    ],
    ignored: [],
  };
}
