import * as v from 'valibot';
import { ProjectKey } from '../auth/schemas.ts';

export const ProjectType = v.picklist(['yaml', 'helm']);
export type ProjectType = v.InferOutput<typeof ProjectType>;

export const CreateProjectInput = v.object({
  project_key: ProjectKey,
  project_name: v.pipe(v.string(), v.trim(), v.minLength(1, 'must not be empty'), v.maxLength(128)),
  description: v.optional(v.pipe(v.string(), v.maxLength(2048)), ''),
  is_public: v.optional(v.boolean(), false),
  project_type: ProjectType,
});
export type CreateProjectInput = v.InferOutput<typeof CreateProjectInput>;

/** A project as Zadig's OpenAPI shows it. */
export type ProjectView = {
  project_key: string;
  project_name: string;
  description: string;
  is_public: boolean;
  project_type: ProjectType;
  created_by: string;
  created_time: number;
  updated_time: number;
};
