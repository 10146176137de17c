import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BadRequest, DatabricksClient, NotFound, ResourceConflict, collect } from '@fraudops/databricks';
import { startEmulator, type Emulator } from './index.js';
import { createGitRemote, type GitRemoteFixture } from './testing/git-remote.js';

const URL_ = 'https://github.com/acme/fraudops.git';

describe('Repos API (Git folders backed by a local bare repository)', () => {
  let emulator: Emulator;
  let remote: GitRemoteFixture;
  let db: DatabricksClient;

  beforeAll(async () => {
    remote = createGitRemote({ 'README.md': 'v1\n', 'jobs/train.py': 'print("v1")\n' });
    remote.commit('staging', { 'README.md': 'staging\n' });
    emulator = await startEmulator({ gitRemotes: { [URL_]: remote.bare } });
    db = DatabricksClient.fromEnvironment({ host: emulator.url, token: emulator.token, env: {} });
    await db.workspace.mkdirs('/Repos/ci');
  });
  afterAll(async () => {
    await emulator.close();
    remote.remove();
  });

  it('creates a Git folder on the default branch and resolves its path through get-status', async () => {
    const created = await db.repos.create({ url: URL_, provider: 'github', path: '/Repos/ci/create-test' });
    expect(created).toMatchObject({
      path: '/Repos/ci/create-test',
      url: URL_,
      provider: 'gitHub',
      branch: 'main',
      head_commit_id: remote.head('main'),
    });
    const status = await db.workspace.getStatus('/Workspace/Repos/ci/create-test');
    expect(status).toEqual({
      object_type: 'REPO',
      object_id: created.id,
      path: '/Repos/ci/create-test',
      resource_id: String(created.id),
    });
    expect(await db.repos.getByPath('/Repos/ci/create-test')).toEqual(created);
    expect(readFileSync(join(emulator.localPath('/Repos/ci/create-test'), 'README.md'), 'utf8')).toBe('v1\n');
    const file = await db.workspace.getStatus('/Repos/ci/create-test/jobs/train.py');
    expect(file).toMatchObject({ object_type: 'FILE', path: '/Repos/ci/create-test/jobs/train.py', size: 12 });
  });

  it('refuses a second folder at the same path, a missing parent and an unknown provider', async () => {
    await db.repos.create({ url: URL_, provider: 'gitHub', path: '/Repos/ci/dup' });
    await expect(db.repos.create({ url: URL_, provider: 'gitHub', path: '/Repos/ci/dup' })).rejects.toMatchObject({
      code: 'RESOURCE_ALREADY_EXISTS',
      message: 'Path (/Repos/ci/dup) already exists.',
    });
    await expect(db.repos.create({ url: URL_, provider: 'gitHub', path: '/Repos/nobody/x' })).rejects.toBeInstanceOf(
      NotFound,
    );
    const bad = await db.repos.create({ url: URL_, provider: 'svn', path: '/Repos/ci/svn' }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(BadRequest);
    expect((bad as Error).message).toMatch(/^Invalid Git provider "svn"\. Valid providers: gitHub, gitLab,/);
  });

  it('says how to map a Git URL the emulator does not know', async () => {
    await expect(
      db.repos.create({ url: 'https://github.com/acme/unknown.git', provider: 'gitHub', path: '/Repos/ci/u' }),
    ).rejects.toMatchObject({
      code: 'GIT_REMOTE_ERROR',
      message: expect.stringContaining('--git-remote URL=PATH'),
    });
  });

  it('updates to the latest commit of a branch, switches branch, and checks out a tag detached', async () => {
    const repo = await db.repos.create({ url: URL_, provider: 'gitHub', path: '/Repos/ci/update-test' });
    const newer = remote.commit('main', { 'README.md': 'v2\n' });
    await db.repos.update(repo.id, { branch: 'main' });
    expect(await db.repos.get(repo.id)).toMatchObject({ branch: 'main', head_commit_id: newer });

    await db.repos.update(repo.id, { branch: 'staging' });
    expect(await db.repos.get(repo.id)).toMatchObject({ branch: 'staging', head_commit_id: remote.head('staging') });

    const tagged = remote.tag('v1.0.0', 'main');
    await db.repos.update(repo.id, { tag: 'v1.0.0' });
    const detached = await db.repos.get(repo.id);
    expect(detached.head_commit_id).toBe(tagged);
    expect(detached.branch).toBeUndefined();
  });

  it('answers GIT_UNKNOWN_REF for a branch or tag the remote does not have', async () => {
    const repo = await db.repos.create({ url: URL_, provider: 'gitHub', path: '/Repos/ci/unknown-ref' });
    const error = await db.repos.update(repo.id, { branch: 'no-such-branch' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequest);
    expect(error).toMatchObject({
      status: 400,
      code: 'GIT_UNKNOWN_REF',
      message: `Branch no-such-branch does not exist in ${URL_} (branches: main, staging).`,
    });
    await expect(db.repos.update(repo.id, { tag: 'v9' })).rejects.toMatchObject({ code: 'GIT_UNKNOWN_REF' });
    expect((await db.repos.get(repo.id)).branch).toBe('main');
  });

  it('refuses to update a folder with uncommitted changes unless told to discard them', async () => {
    const repo = await db.repos.create({ url: URL_, provider: 'gitHub', path: '/Repos/ci/dirty' });
    const local = emulator.localPath('/Repos/ci/dirty');
    writeFileSync(join(local, 'README.md'), 'edited in the workspace\n');
    writeFileSync(join(local, 'scratch.py'), 'x = 1\n');
    const error = await db.repos.update(repo.id, { branch: 'staging' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResourceConflict);
    expect(error).toMatchObject({
      status: 409,
      code: 'GIT_CONFLICT',
      message:
        'The Git folder /Repos/ci/dirty has uncommitted changes (2 files: README.md, scratch.py). Commit or discard them, or update with dangerously_force_discard_all.',
    });
    expect((await db.repos.get(repo.id)).branch).toBe('main');

    await db.repos.update(repo.id, { branch: 'staging', dangerously_force_discard_all: true });
    expect(await db.repos.get(repo.id)).toMatchObject({ branch: 'staging', head_commit_id: remote.head('staging') });
    expect(readFileSync(join(local, 'README.md'), 'utf8')).toBe('staging\n');
    expect(existsSync(join(local, 'scratch.py'))).toBe(false);
  });

  it('lists Git folders by path prefix across pages, and deletes them', async () => {
    await db.workspace.mkdirs('/Repos/many');
    for (let i = 0; i < 21; i++)
      await db.repos.create({ url: URL_, provider: 'gitHub', path: `/Repos/many/r${String(i).padStart(2, '0')}` });
    const listed = await collect(db.repos.list({ pathPrefix: '/Repos/many' }));
    expect(listed.map((r) => r.path)).toEqual(
      Array.from({ length: 21 }, (_, i) => `/Repos/many/r${String(i).padStart(2, '0')}`),
    );
    expect(emulator.requests.filter((r) => r.path === '/api/2.0/repos' && r.method === 'GET')).toHaveLength(2);

    await db.repos.delete(listed[0].id);
    await expect(db.repos.get(listed[0].id)).rejects.toBeInstanceOf(NotFound);
    await expect(db.workspace.getStatus('/Repos/many/r00')).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
  });

  it('tells a folder from a Git folder when resolving by path', async () => {
    await expect(db.repos.getByPath('/Repos/ci')).rejects.toMatchObject({
      code: 'NOT_A_GIT_FOLDER',
      message: '/Repos/ci is a directory, not a Git folder.',
    });
    await expect(db.repos.getByPath('/Repos/ci/nothing-here')).rejects.toMatchObject({
      code: 'RESOURCE_DOES_NOT_EXIST',
      message: "Path (/Repos/ci/nothing-here) doesn't exist.",
    });
  });
});
