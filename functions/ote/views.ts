import type { Image, Tag } from '../../core/repository/images.ts';
import type { OteProject } from '../../core/repository/projects.ts';
import type { ThirdPartyRepository } from '../../core/repository/third-party.ts';

/** ote-stack's wire names for Berth's domain: the one place they are written. */

/** Unix seconds, as the document's times; null when the registry does not know. */
const seconds = (time: Date | string | undefined): number | null =>
  time === undefined ? null : Math.floor(new Date(time).getTime() / 1000);

export const projectView = (project: OteProject) => ({
  projectId: project.projectId,
  projectName: project.projectName,
  public: project.isPublic,
  imageCount: project.imageCount,
  createTime: seconds(project.createdAt),
  updateTime: seconds(project.updatedAt),
});

export const imageView = (image: Image) => ({
  projectName: image.projectName,
  public: image.isPublic,
  imageName: image.imageName,
  imageAddress: image.address,
  createTime: seconds(image.createdAt),
  updateTime: seconds(image.updatedAt),
});

export const tagView = (tag: Tag) => ({
  tag: tag.tag,
  imageAddress: tag.address,
  createTime: seconds(tag.createdAt),
  updateTime: seconds(tag.createdAt),
});

export const thirdPartyRepositoryView = (repository: ThirdPartyRepository) => ({
  repositoryId: repository.repositoryId,
  address: repository.address,
  user: repository.user,
});
