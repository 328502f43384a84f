import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createHarness, type Harness } from '../support/harness.ts';
import { call } from '../support/http.ts';
import { pushTinyImage } from '../support/oci-registry.ts';
import { oteCall, registerOteRegistry, userToken } from '../support/ote.ts';

let berth: Harness;
let namespace: string;
const registry = inject('registry');
const host = new URL(registry.url).host;
const repo = (path: string, options: Parameters<typeof call>[2] = {}) =>
  oteCall(berth, 'ote-repository', path, options);
const push = (image: string, tag: string, created?: string) =>
  pushTinyImage(registry, `${namespace}/${image}`, tag, created ? { created } : {});

const BUILT = '2019-03-05T03:58:41Z'; // 1551758321, the document's time

beforeAll(async () => {
  berth = await createHarness();
  namespace = await registerOteRegistry(berth);
});
afterAll(() => berth.close());

describe('projects', () => {
  it('creates a project: 201 in the envelope, integer id, no images yet', async () => {
    const created = await repo('/v1/repository/project', { json: { projectName: 'test', public: false } });
    expect(created.status).toBe(201);
    expect(created.json).toEqual({
      code: 201,
      message: 'success',
      data: {
        projectId: expect.any(Number),
        projectName: 'test',
        public: false,
        imageCount: 0,
        createTime: expect.any(Number),
        updateTime: expect.any(Number),
      },
    });
    expect(Number.isInteger(created.json.data.projectId)).toBe(true);
  });

  it('answers 409 to a name that exists, 400 to a bad one, 415 to a body that is not JSON', async () => {
    await repo('/v1/repository/project', { json: { projectName: 'dup', public: true } });
    const again = await repo('/v1/repository/project', { json: { projectName: 'dup', public: true } });
    expect(again.status).toBe(409);
    expect(again.json).toEqual({ code: 409, message: 'project "dup" already exists' });

    const bad = await repo('/v1/repository/project', { json: { projectName: 'Bad_Name', public: true } });
    expect(bad.status).toBe(400);
    expect(bad.json.code).toBe(400);
    expect(bad.json.message).toContain('projectName');

    const missing = await repo('/v1/repository/project', { json: { projectName: 'nopublic' } });
    expect(missing.json).toEqual({ code: 400, message: 'public is required' });

    const form = await repo('/v1/repository/project', { form: { projectName: 'x', public: 'true' } });
    expect(form.status).toBe(415);
    expect(form.json.code).toBe(415);
    expect(form.json.message).toContain('application/json');
  });

  it('answers 401 in the envelope without a token', async () => {
    const response = await call(berth.apps['ote-repository'], '/v1/repository/project');
    expect(response.status).toBe(401);
    expect(response.json).toEqual({ code: 401, message: 'missing bearer token' });
  });

  it('counts images per project and refuses to delete a project that holds one', async () => {
    await repo('/v1/repository/project', { json: { projectName: 'counted', public: false } });
    await push('counted/app', 'v1');
    const list = await repo('/v1/repository/project?projectName=counted');
    expect(list.json).toMatchObject({ code: 200, message: 'success', total: 1 });
    expect(list.json.data[0]).toMatchObject({ projectName: 'counted', imageCount: 1 });

    const refused = await repo('/v1/repository/project/counted', { method: 'DELETE' });
    expect(refused.status).toBe(409);
    expect(refused.json.message).toContain('counted/app');

    await repo('/v1/repository/image', { method: 'DELETE', json: { imageName: ['counted/app'] } });
    const deleted = await repo('/v1/repository/project/counted', { method: 'DELETE' });
    expect(deleted.json).toEqual({ code: 200, message: 'success' });
    expect((await repo('/v1/repository/project?projectName=counted')).json.total).toBe(0);
  });

  it('pages with page and pageSize: total counts every match, 0 means all, above the cap is a 400', async () => {
    for (const name of ['pg-a', 'pg-b', 'pg-c'])
      await repo('/v1/repository/project', { json: { projectName: name, public: true } });
    const first = await repo('/v1/repository/project?projectName=pg-&pageSize=2&page=1');
    expect(first.json.total).toBe(3);
    expect(first.json.data.map((p: any) => p.projectName)).toEqual(['pg-c', 'pg-b']);
    const second = await repo('/v1/repository/project?projectName=pg-&pageSize=2&page=2&order=desc');
    expect(second.json.data.map((p: any) => p.projectName)).toEqual(['pg-a']);
    const ascending = await repo('/v1/repository/project?projectName=pg-&pageSize=0&order=asc');
    expect(ascending.json.data.map((p: any) => p.projectName)).toEqual(['pg-a', 'pg-b', 'pg-c']);
    const tooLarge = await repo('/v1/repository/project?pageSize=1001');
    expect(tooLarge.status).toBe(400);
    expect(tooLarge.json.message).toContain('pageSize');
    const badOrder = await repo('/v1/repository/project?orderBy=name');
    expect(badOrder.status).toBe(400);
  });
});

describe('images and tags on the registry', () => {
  beforeAll(async () => {
    await repo('/v1/repository/project', { json: { projectName: 'demo', public: false } });
    await push('demo/test-demo1', 'latest', BUILT);
    await push('demo/test-demo1', 'v1', '2019-03-06T00:00:00Z');
    await push('demo/test-demo2', 'latest', BUILT);
  });

  it('GET /v1/repository/image lists the project images as the document shows them', async () => {
    const response = await repo('/v1/repository/image?projectName=demo');
    expect(response.status).toBe(200);
    expect(response.json).toEqual({
      data: [
        {
          projectName: 'demo',
          public: false,
          imageName: 'demo/test-demo2',
          imageAddress: `${host}/${namespace}/demo/test-demo2`,
          createTime: 1551758321,
          updateTime: 1551758321,
        },
        {
          projectName: 'demo',
          public: false,
          imageName: 'demo/test-demo1',
          imageAddress: `${host}/${namespace}/demo/test-demo1`,
          createTime: 1551758321,
          updateTime: 1551830400,
        },
      ],
      total: 2,
      code: 200,
      message: 'success',
    });
    const filtered = await repo('/v1/repository/image?projectName=demo&imageName=demo1&pageSize=1');
    expect(filtered.json.total).toBe(1);
    expect(filtered.json.data[0].imageName).toBe('demo/test-demo1');
  });

  it('GET /v1/repository/image/tag?imageName= lists tags as the document shows them', async () => {
    const response = await repo('/v1/repository/image/tag?imageName=demo/test-demo1&order=asc');
    expect(response.json).toEqual({
      data: [
        {
          tag: 'latest',
          imageAddress: `${host}/${namespace}/demo/test-demo1`,
          createTime: 1551758321,
          updateTime: 1551758321,
        },
        {
          tag: 'v1',
          imageAddress: `${host}/${namespace}/demo/test-demo1`,
          createTime: 1551830400,
          updateTime: 1551830400,
        },
      ],
      total: 2,
      code: 200,
      message: 'success',
    });
  });

  it('answers unknown projects, images and malformed names with 404 and 400', async () => {
    expect((await repo('/v1/repository/image?projectName=nope')).json).toEqual({
      code: 404,
      message: 'project "nope" not found',
    });
    expect((await repo('/v1/repository/image/tag?imageName=demo/absent')).json).toEqual({
      code: 404,
      message: 'image "demo/absent" not found',
    });
    const malformed = await repo('/v1/repository/image/tag?imageName=Demo:latest');
    expect(malformed.status).toBe(400);
    expect(malformed.json.message).toContain('imageName');
    expect((await repo('/v1/repository/image')).json).toEqual({ code: 400, message: 'projectName is required' });
  });

  it('refuses to delete a tag that shares its image with a tag not named, and deletes both when both are named', async () => {
    await push('demo/shared', 'a', BUILT);
    await push('demo/shared', 'b', BUILT);
    await push('demo/shared', 'c', '2020-01-01T00:00:00Z');
    const refused = await repo('/v1/repository/image/tag', {
      method: 'DELETE',
      json: { imageName: 'demo/shared', tag: ['a'] },
    });
    expect(refused.status).toBe(409);
    expect(refused.json.message).toContain('"b"');
    expect((await repo('/v1/repository/image/tag?imageName=demo/shared')).json.total).toBe(3);

    const unknown = await repo('/v1/repository/image/tag', {
      method: 'DELETE',
      json: { imageName: 'demo/shared', tag: ['a', 'zz'] },
    });
    expect(unknown.json).toEqual({ code: 404, message: 'tag "demo/shared:zz" not found' });

    const deleted = await repo('/v1/repository/image/tag', {
      method: 'DELETE',
      json: { imageName: 'demo/shared', tag: ['a', 'b'] },
    });
    expect(deleted.json).toEqual({ code: 200, message: 'success' });
    const left = await repo('/v1/repository/image/tag?imageName=demo/shared');
    expect(left.json.data.map((tag: any) => tag.tag)).toEqual(['c']);
  });

  it('deletes images with all their tags; they leave the list', async () => {
    await push('demo/gone', 'x', BUILT);
    await push('demo/gone', 'y', '2021-01-01T00:00:00Z');
    const deleted = await repo('/v1/repository/image', { method: 'DELETE', json: { imageName: ['demo/gone'] } });
    expect(deleted.json).toEqual({ code: 200, message: 'success' });
    const names = (await repo('/v1/repository/image?projectName=demo&pageSize=0')).json.data.map(
      (image: any) => image.imageName,
    );
    expect(names).not.toContain('demo/gone');
    const again = await repo('/v1/repository/image', { method: 'DELETE', json: { imageName: ['demo/gone'] } });
    expect(again.json).toEqual({ code: 404, message: 'image "demo/gone" not found' });
  });

  it('lets a user token read public projects and its own, and change only its own', async () => {
    await repo('/v1/repository/project', { json: { projectName: 'open', public: true } });
    await push('open/tool', 'v1', BUILT);
    const token = await userToken(berth, ['mine']);
    const mine = await repo('/v1/repository/project', { token, json: { projectName: 'mine', public: false } });
    expect(mine.status).toBe(201);
    const other = await repo('/v1/repository/project', { token, json: { projectName: 'theirs', public: false } });
    expect(other.status).toBe(403);

    const visible = (await repo('/v1/repository/project?pageSize=0', { token })).json.data.map(
      (p: any) => p.projectName,
    );
    expect(visible).toContain('open');
    expect(visible).toContain('mine');
    expect(visible).not.toContain('demo');
    expect((await repo('/v1/repository/image?projectName=demo', { token })).status).toBe(404);
    expect((await repo('/v1/repository/image?projectName=open', { token })).json.total).toBe(1);
    const deleteOthers = await repo('/v1/repository/image', {
      token,
      method: 'DELETE',
      json: { imageName: ['open/tool'] },
    });
    expect(deleteOthers.status).toBe(403);
  });
});

describe('third-party repositories', () => {
  it('registers one, never returns the password, and answers the document example shape', async () => {
    const created = await repo('/v1/repository/third', {
      json: { repositoryId: 'yq01', address: 'hub.example.com:5000', user: 'ddddddd', password: 's3cret-pass' },
    });
    expect(created.status).toBe(201);
    const read = await repo('/v1/repository/third/yq01');
    expect(read.json).toEqual({
      data: { repositoryId: 'yq01', address: 'hub.example.com:5000', user: 'ddddddd' },
      code: 200,
      message: 'success',
    });
    const list = await repo('/v1/repository/third');
    expect(list.json).toMatchObject({ total: 1, data: [{ repositoryId: 'yq01' }] });
    for (const response of [created, read, list]) expect(response.text).not.toContain('s3cret-pass');
    expect(JSON.stringify(await berth.rawItem({ pk: 'OTETHIRDREPOS', sk: 'THIRDREPO#yq01' }))).not.toContain(
      's3cret-pass',
    );
    expect((await repo('/v1/repository/third/nope')).json).toEqual({
      code: 404,
      message: 'repository "nope" not found',
    });
    const dup = await repo('/v1/repository/third', {
      json: { repositoryId: 'yq01', address: 'hub.example.com', user: 'u', password: 'p' },
    });
    expect(dup.status).toBe(409);
    const deleted = await repo('/v1/repository/third/yq01', { method: 'DELETE' });
    expect(deleted.json).toEqual({ code: 200, message: 'success' });
  });
});
