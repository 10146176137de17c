import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabricksClient } from '@fraudops/databricks';
import { RegistryError } from './errors.js';
import { LocalRegistry } from './local.js';
import { openRegistry } from './open.js';
import { UnityCatalogRegistry } from './unity-catalog.js';

describe('openRegistry', () => {
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'fraudops-open-'));
  });
  afterAll(() => rm(home, { recursive: true, force: true }));

  it('opens models/ under the working directory by default, and any directory or file: URI', () => {
    const registry = openRegistry(undefined, { cwd: '/srv/app' });
    expect(registry).toBeInstanceOf(LocalRegistry);
    expect((registry as LocalRegistry).root).toBe('/srv/app/models');
    expect(registry.location).toBe('file:///srv/app/models');
    expect(openRegistry('file:../shared/models', { cwd: '/srv/app' }).location).toBe('file:///srv/shared/models');
  });

  it('opens Unity Catalog with a given client', () => {
    const client = DatabricksClient.fromEnvironment({
      host: 'https://adb-1.azuredatabricks.net',
      token: 'dapi-x',
      env: {},
      homeDir: home,
    });
    const registry = openRegistry('databricks-uc://main.fraud?volume=artifacts&prefix=registry', {
      databricks: client,
    });
    expect(registry).toBeInstanceOf(UnityCatalogRegistry);
    expect(registry.location).toBe('databricks-uc://main.fraud?volume=artifacts&prefix=registry');
    expect((registry as UnityCatalogRegistry).versionDirectory('fraud-detector', 4)).toBe(
      '/Models/main/fraud/fraud-detector/4',
    );
    expect((registry as UnityCatalogRegistry).fullName('fraud-detector')).toBe('main.fraud.fraud-detector');
  });

  it("builds a client from the URI's profile in the config file", async () => {
    const configFile = join(home, 'profiles.cfg');
    await writeFile(
      configFile,
      '[DEFAULT]\nhost = https://default.example\ntoken = dapi-default\n\n[prod]\nhost = https://prod.example\ntoken = dapi-prod\n',
    );
    const registry = openRegistry('databricks-uc://main.fraud?profile=prod', {
      databricks: { configFile, env: {}, homeDir: home },
    });
    expect(registry.location).toBe('databricks-uc://main.fraud?volume=models&profile=prod');
    const client = (registry as unknown as { client: DatabricksClient }).client;
    expect(client.config.host).toBe('https://prod.example');
  });

  it('fails naming what is missing when Databricks cannot be configured', () => {
    let error: unknown;
    try {
      openRegistry('databricks-uc://main.fraud', { databricks: { env: {}, homeDir: home } });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).code).toBe('BACKEND_FAILURE');
    expect((error as RegistryError).message).toMatch(/^cannot open databricks-uc:\/\/main\.fraud: .*host/i);
    expect(() => openRegistry('s3://bucket')).toThrow(/unsupported scheme "s3:"/);
  });
});
