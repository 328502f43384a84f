import * as v from 'valibot';

export const ProjectType = v.picklist(['yaml', 'helm']);
export type ProjectType = v.InferOutput<typeof ProjectType>;

export const ProjectName = v.pipe(v.string(), v.trim(), v.minLength(1, 'must not be empty'), v.maxLength(128));
export const ProjectDescription = v.pipe(v.string(), v.maxLength(2048));

/** A project to create. */
export type NewProject = {
  key: string;
  name: string;
  description: string;
  isPublic: boolean;
  type: ProjectType;
};
