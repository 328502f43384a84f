import * as v from 'valibot';
import { Rfc1123Label } from '../names.ts';

export const Role = v.picklist(['admin', 'user']);
export type Role = v.InferOutput<typeof Role>;

export const ProjectKey = Rfc1123Label;

export const CreateTokenInput = v.strictObject({
  name: v.pipe(v.string(), v.trim(), v.minLength(1, 'must not be empty'), v.maxLength(128)),
  role: Role,
  projects: v.optional(v.array(ProjectKey)),
});
export type CreateTokenInput = v.InferOutput<typeof CreateTokenInput>;

/** Who is calling. `projects` undefined means every project. */
export type Principal = {
  tokenId: string;
  name: string;
  role: Role;
  projects: string[] | undefined;
};

/** A token as the API shows it: never its secret or hash. */
export type TokenView = {
  id: string;
  name: string;
  role: Role;
  projects: string[] | null;
  created_at: string;
};
