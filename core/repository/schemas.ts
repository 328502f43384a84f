import * as v from 'valibot';
import { TrimmedRfc1123Label } from '../names.ts';
import { RegistryUserName } from '../registries/schemas.ts';

/** A project is a repository namespace of the registry and may be a token's project, so it follows both rules. */
export const OteProjectName = TrimmedRfc1123Label;

export const CreateOteProjectInput = v.strictObject({
  projectName: OteProjectName,
  public: v.boolean(),
});
export type CreateOteProjectInput = v.InferOutput<typeof CreateOteProjectInput>;

const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
/** `project/name` (more `/`-separated components allowed), as the registry names repositories. */
export const ImageName = v.pipe(
  v.string(),
  v.trim(),
  v.maxLength(255, 'must be at most 255 characters'),
  v.regex(
    new RegExp(`^${COMPONENT}(?:/${COMPONENT})+$`),
    'must be project/name in lowercase repository path components (a-z, 0-9, ".", "_", "-")',
  ),
);

/** A tag as the distribution spec allows it. */
export const ImageTag = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/, 'must be a tag (A-Z, a-z, 0-9, "_", ".", "-", at most 128)'),
);

export const DeleteImagesInput = v.strictObject({
  imageName: v.pipe(v.array(ImageName), v.minLength(1, 'must name at least one image'), v.maxLength(100)),
});
export type DeleteImagesInput = v.InferOutput<typeof DeleteImagesInput>;

export const DeleteTagsInput = v.strictObject({
  imageName: ImageName,
  tag: v.pipe(v.array(ImageTag), v.minLength(1, 'must name at least one tag'), v.maxLength(100)),
});
export type DeleteTagsInput = v.InferOutput<typeof DeleteTagsInput>;

export const ThirdPartyRepositoryId = TrimmedRfc1123Label;

export const CreateThirdPartyRepositoryInput = v.strictObject({
  repositoryId: ThirdPartyRepositoryId,
  address: v.pipe(
    v.string(),
    v.trim(),
    v.minLength(1, 'must not be empty'),
    v.maxLength(255),
    // What an image reference starts with and `.dockerconfigjson` is keyed by: host[:port], no scheme or path.
    v.regex(/^[A-Za-z0-9.-]+(?::[0-9]{1,5})?$/, 'must be the registry host[:port] image names start with'),
  ),
  user: RegistryUserName,
  password: v.pipe(v.string(), v.minLength(1, 'must not be empty'), v.maxLength(4096)),
});
export type CreateThirdPartyRepositoryInput = v.InferOutput<typeof CreateThirdPartyRepositoryInput>;
