import * as v from 'valibot';
import { ServiceVariable } from '../render/variables.ts';

export const TemplateName = v.pipe(
  v.string(),
  v.regex(/^[a-zA-Z0-9-_.]+$/, 'must match ^[a-zA-Z0-9-_.]+$'),
  v.maxLength(128, 'must be at most 128 characters'),
);

const TemplateContent = v.pipe(v.string(), v.minLength(1, 'must not be empty'), v.maxLength(512 * 1024));

export const CreateTemplateInput = v.object({
  name: TemplateName,
  content: TemplateContent,
  service_variable_kvs: v.optional(v.array(ServiceVariable), []),
});
export type CreateTemplateInput = v.InferOutput<typeof CreateTemplateInput>;

export const UpdateTemplateInput = v.object({
  content: TemplateContent,
  service_variable_kvs: v.optional(v.array(ServiceVariable)),
});
export type UpdateTemplateInput = v.InferOutput<typeof UpdateTemplateInput>;
