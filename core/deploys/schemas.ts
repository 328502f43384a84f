import * as v from 'valibot';
import { AppName, AppVersion } from '../apps/schemas.ts';
import { TrimmedRfc1123Label, WHITE_SPACE_CLASS } from '../names.ts';

export const DeployName = TrimmedRfc1123Label;

/** A label selector over registered clusters' labels (`region=cn-north`), or a cluster id; empty means every cluster. */
const ClusterSelector = v.pipe(v.string(), v.trim(), v.maxLength(1024));
const NODE_LABEL_TERM = '[A-Za-z0-9./_-]+(?:=[A-Za-z0-9._-]*)?';
const SPACES = `[${WHITE_SPACE_CLASS}]*`;
/** `key=value` or `key` terms, comma-separated, over node labels; empty means every node. */
const NodeLabel = v.pipe(
  v.string(),
  v.trim(),
  v.maxLength(1024),
  v.regex(
    new RegExp(`^(?:${NODE_LABEL_TERM}(?:${SPACES},${SPACES}${NODE_LABEL_TERM})*)?$`),
    'must be node label terms key=value or key, comma-separated',
  ),
);
const Comment = v.pipe(v.string(), v.maxLength(1024));

export const CreateDeployInput = v.strictObject({
  deployName: DeployName,
  appName: AppName,
  version: AppVersion,
  cluster: v.optional(ClusterSelector, ''),
  nodeLabel: v.optional(NodeLabel, ''),
  comment: v.optional(Comment, ''),
});
export type CreateDeployInput = v.InferOutput<typeof CreateDeployInput>;

export const ChangeVersionInput = v.strictObject({
  version: AppVersion,
  comment: v.optional(Comment, ''),
});
export type ChangeVersionInput = v.InferOutput<typeof ChangeVersionInput>;

export const AuditInput = v.strictObject({
  id: v.pipe(v.number('must be an integer'), v.integer('must be an integer'), v.minValue(1)),
  status: v.picklist([1, 2], 'must be 1 (approve) or 2 (disapprove)'),
  comment: v.optional(Comment, ''),
});
export type AuditInput = v.InferOutput<typeof AuditInput>;
