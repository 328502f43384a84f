import * as v from 'valibot';
import type { ServiceVariable } from '../render/variables.ts';

export const TemplateName = v.pipe(
  v.string(),
  v.regex(/^[a-zA-Z0-9-_.]+$/, 'must match ^[a-zA-Z0-9-_.]+$'),
  v.maxLength(128, 'must be at most 128 characters'),
);

export const TemplateContent = v.pipe(v.string(), v.minLength(1, 'must not be empty'), v.maxLength(512 * 1024));

/** A K8s YAML template to store, with the variables it declares. */
export type NewTemplate = { name: string; content: string; variables: ServiceVariable[] };

/** A template's new content; its variables stay as declared unless given. */
export type TemplateChange = { content: string; variables?: ServiceVariable[] | undefined };
