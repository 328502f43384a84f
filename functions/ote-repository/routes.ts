import * as v from 'valibot';
import {
  CreateOteProjectInput,
  CreateThirdPartyRepositoryInput,
  DeleteImagesInput,
  DeleteTagsInput,
  ImageName,
  OteProjectName,
  ThirdPartyRepositoryId,
} from '../../core/repository/schemas.ts';
import { defineRoute } from '../http/contract.ts';
import { OtePaging } from '../ote/paging.ts';

const tags = ['ote-repository'] as const;
const success = { code: 200, message: 'success' };

const exampleProject = {
  projectId: 1,
  projectName: 'test',
  public: false,
  imageCount: 2,
  createTime: 1551758321,
  updateTime: 1551758321,
};

export const oteRepositoryRoutes = {
  createProject: defineRoute({
    method: 'post',
    path: '/v1/repository/project',
    summary: 'Create a project (a repository namespace of the registry)',
    tags,
    access: 'token',
    body: CreateOteProjectInput,
    responses: {
      201: {
        description: 'Project created successfully',
        example: { code: 201, message: 'success', data: { ...exampleProject, imageCount: 0 } },
      },
      409: { description: 'Project name already exists' },
      415: { description: 'The body is not application/json' },
    },
  }),
  listProjects: defineRoute({
    method: 'get',
    path: '/v1/repository/project',
    summary: 'List the projects the caller may read, with their image counts',
    tags,
    access: 'token',
    query: v.object({ projectName: v.optional(v.string()), ...OtePaging }),
    responses: {
      200: { description: 'A page of projects', example: { data: [exampleProject], total: 1, ...success } },
    },
  }),
  deleteProject: defineRoute({
    method: 'delete',
    path: '/v1/repository/project/:projectName',
    summary: 'Delete a project that holds no image',
    tags,
    access: 'token',
    params: v.strictObject({ projectName: OteProjectName }),
    responses: {
      200: { description: 'Deleted', example: success },
      400: { description: 'Not a project name (a lowercase RFC 1123 label)' },
      409: { description: 'The project holds images' },
    },
  }),
  listImages: defineRoute({
    method: 'get',
    path: '/v1/repository/image',
    summary: 'List images of the specified project',
    tags,
    access: 'token',
    query: v.object({ projectName: OteProjectName, imageName: v.optional(v.string()), ...OtePaging }),
    responses: {
      200: {
        description: 'A page of images',
        example: {
          data: [
            {
              projectName: 'test',
              public: false,
              imageName: 'test/test-demo1',
              imageAddress: 'registry.dcdn.baidu.com/test/test-demo1',
              createTime: 1551758321,
              updateTime: 1551758321,
            },
          ],
          total: 1,
          ...success,
        },
      },
    },
  }),
  listTags: defineRoute({
    method: 'get',
    path: '/v1/repository/image/tag',
    summary: 'List tags under the specific image name',
    tags,
    access: 'token',
    query: v.object({ imageName: ImageName, ...OtePaging }),
    responses: {
      200: {
        description: 'A page of tags',
        example: {
          data: [
            {
              tag: 'latest',
              imageAddress: 'registry.dcdn.baidu.com/test/test-demo1',
              createTime: 1551758321,
              updateTime: 1551758321,
            },
          ],
          total: 1,
          ...success,
        },
      },
    },
  }),
  deleteImages: defineRoute({
    method: 'delete',
    path: '/v1/repository/image',
    summary: 'Delete multiple images specified by name, with all their tags',
    tags,
    access: 'token',
    body: DeleteImagesInput,
    responses: { 200: { description: 'Deleted', example: success } },
  }),
  deleteTags: defineRoute({
    method: 'delete',
    path: '/v1/repository/image/tag',
    summary: 'Delete tags of an image',
    tags,
    access: 'token',
    body: DeleteTagsInput,
    responses: {
      200: { description: 'Deleted', example: success },
      409: { description: 'A tag not named shares an image with a named one (the registry would delete it too)' },
    },
  }),
  createThirdPartyRepository: defineRoute({
    method: 'post',
    path: '/v1/repository/third',
    summary: 'Register a third-party repository (its password becomes a pull secret and is never returned)',
    tags,
    access: 'token',
    body: CreateThirdPartyRepositoryInput,
    responses: {
      201: {
        description: 'Registered',
        example: {
          code: 201,
          message: 'success',
          data: { repositoryId: 'yq01', address: 'hub.example.com', user: 'u' },
        },
      },
      409: { description: 'The repositoryId exists' },
    },
  }),
  listThirdPartyRepositories: defineRoute({
    method: 'get',
    path: '/v1/repository/third',
    summary: 'List third-party repositories',
    tags,
    access: 'token',
    query: v.object(OtePaging),
    responses: {
      200: {
        description: 'A page of repositories',
        example: { data: [{ repositoryId: 'yq01', address: 'hub.example.com', user: 'u' }], total: 1, ...success },
      },
    },
  }),
  getThirdPartyRepository: defineRoute({
    method: 'get',
    path: '/v1/repository/third/:repositoryId',
    summary: 'Read a third-party repository (never its password)',
    tags,
    access: 'token',
    params: v.strictObject({ repositoryId: ThirdPartyRepositoryId }),
    responses: {
      200: {
        description: 'The repository',
        example: {
          data: { repositoryId: 'yq01', address: 'xxzxsdsdsds', user: 'ddddddd' },
          code: 200,
          message: 'Success',
        },
      },
    },
  }),
  deleteThirdPartyRepository: defineRoute({
    method: 'delete',
    path: '/v1/repository/third/:repositoryId',
    summary: 'Forget a third-party repository no application names',
    tags,
    access: 'cluster',
    params: v.strictObject({ repositoryId: ThirdPartyRepositoryId }),
    responses: {
      200: { description: 'Deleted', example: success },
      409: { description: 'Applications name the repository' },
    },
  }),
};
