import { DatabricksConfigError, resolveConfig } from '@fraudops/databricks';
import { driverConnectionFor, sqlEngineOptionsFromConfig } from './options.js';

describe('driverConnectionFor', () => {
  it('accepts a bare host or a URL, with the port from the URL, the option, or 443', async () => {
    const bare = driverConnectionFor({ host: 'adb-1.2.azuredatabricks.net', warehouseId: 'abc', token: 'dapi1' });
    expect(bare).toMatchObject({
      host: 'adb-1.2.azuredatabricks.net',
      port: 443,
      path: '/sql/1.0/warehouses/abc',
      checkServerCertificate: true,
    });
    expect(await bare.authorization()).toBe('Bearer dapi1');
    expect(
      driverConnectionFor({ host: 'https://127.0.0.1:8443/', httpPath: 'sql/1.0/warehouses/x', token: 't' }),
    ).toMatchObject({
      host: '127.0.0.1',
      port: 8443,
      path: '/sql/1.0/warehouses/x',
    });
    expect(driverConnectionFor({ host: 'h.example', port: 9443, warehouseId: 'w', token: 't' }).port).toBe(9443);
  });

  it('names the missing or conflicting option', () => {
    const fails = (options: Parameters<typeof driverConnectionFor>[0], pattern: RegExp) => {
      const attempt = () => driverConnectionFor(options);
      expect(attempt).toThrow(DatabricksConfigError);
      expect(attempt).toThrow(pattern);
    };
    fails({ host: '', warehouseId: 'w', token: 't' }, /no host/);
    fails({ host: 'h', token: 't' }, /no warehouse.*warehouseId/);
    fails({ host: 'h', warehouseId: 'w', httpPath: '/p', token: 't' }, /`httpPath` or `warehouseId`, not both/);
    fails({ host: 'h', warehouseId: 'w' }, /no credentials/);
    fails({ host: 'h', warehouseId: 'w', token: ' ' }, /`token` is empty/);
    fails(
      { host: 'h', warehouseId: 'w', token: 't', credentials: { authorization: async () => 'Bearer x' } },
      /not both/,
    );
    fails({ host: 'http://h', warehouseId: 'w', token: 't' }, /must use https/);
    fails({ host: 'h', warehouseId: 'w', token: 't', chunkSize: 0 }, /chunkSize 0/);
  });

  it('keeps every token it sends so that errors can scrub it', async () => {
    const pat = driverConnectionFor({ host: 'h', warehouseId: 'w', token: 'dapi-secret' });
    expect([...pat.secrets]).toEqual(['dapi-secret']);
    const oauth = driverConnectionFor({
      host: 'h',
      warehouseId: 'w',
      credentials: { authorization: async () => 'Bearer eyJ-issued' },
    });
    expect([...oauth.secrets]).toEqual([]);
    expect(await oauth.authorization()).toBe('Bearer eyJ-issued');
    expect([...oauth.secrets]).toEqual(['eyJ-issued']);
  });
});

describe('sqlEngineOptionsFromConfig', () => {
  const resolved = (options: Parameters<typeof resolveConfig>[0]) =>
    resolveConfig({ env: {}, homeDir: '/nonexistent-home', ...options });

  it('takes host, PAT and warehouse from the resolved configuration', () => {
    const config = resolved({ host: 'adb-1.2.azuredatabricks.net', token: 'dapi-from-env', warehouseId: 'wh1' });
    expect(sqlEngineOptionsFromConfig(config)).toEqual({
      host: 'https://adb-1.2.azuredatabricks.net',
      warehouseId: 'wh1',
      token: 'dapi-from-env',
    });
    expect(sqlEngineOptionsFromConfig(config, { httpPath: '/sql/1.0/warehouses/other' })).toEqual({
      host: 'https://adb-1.2.azuredatabricks.net',
      httpPath: '/sql/1.0/warehouses/other',
      token: 'dapi-from-env',
    });
  });

  it('reaches the same host as REST for a URL pasted from the browser', () => {
    const config = resolved({
      host: 'https://acme.cloud.databricks.com:443/login?o=12345',
      token: 't',
      warehouseId: 'w',
    });
    expect(config.host).toBe('https://acme.cloud.databricks.com');
    const sql = driverConnectionFor(sqlEngineOptionsFromConfig(config));
    expect([sql.host, sql.port, sql.path]).toEqual(['acme.cloud.databricks.com', 443, '/sql/1.0/warehouses/w']);
    // given to the engine directly, the pasted URL means the same warehouse
    const direct = driverConnectionFor({
      host: 'acme.cloud.databricks.com/login?o=12345',
      warehouseId: 'w',
      token: 't',
    });
    expect([direct.host, direct.port, direct.path]).toEqual([sql.host, sql.port, sql.path]);
  });

  it('uses an OAuth M2M credentials provider for a service principal', () => {
    const options = sqlEngineOptionsFromConfig(
      resolved({ host: 'https://h.example', clientId: 'sp', clientSecret: 's' }),
    );
    expect(options.token).toBeUndefined();
    expect(typeof options.credentials?.authorization).toBe('function');
    expect(() => driverConnectionFor(options)).toThrow(/no warehouse/);
  });
});
