import { PermissionDenied } from '@fraudops/databricks';
import { DatabricksSqlEngine, DatabricksSqlError, type DatabricksSqlEngineOptions } from '@fraudops/databricks-sql';
import { startSqlWarehouse, type SqlWarehouse } from './index.js';

// libs/databricks' DatabricksSqlEngine end to end: real driver, real HTTPS, real DuckDB behind the local warehouse.
const TOKEN = 'dapi-engine-test-token';

describe('DatabricksSqlEngine against the local SQL warehouse', () => {
  let warehouse: SqlWarehouse;
  const engines: DatabricksSqlEngine[] = [];

  beforeAll(async () => {
    warehouse = await startSqlWarehouse({ tokens: [TOKEN], warehouseId: 'abc123' });
  });

  afterAll(async () => {
    for (const engine of engines) await engine.close();
    await warehouse.close();
  });

  function engine(options: Partial<DatabricksSqlEngineOptions> = {}): DatabricksSqlEngine {
    const created = new DatabricksSqlEngine({
      host: `https://${warehouse.host}:${warehouse.port}`,
      warehouseId: warehouse.warehouseId,
      token: TOKEN,
      customCaCert: warehouse.certificatePem,
      ...options,
    });
    engines.push(created);
    return created;
  }

  it('runs a scalar query into columns of SqlValue', async () => {
    const sql = engine();
    expect(sql.dialect).toBe('spark');
    const result = await sql.query(
      "SELECT 42 AS answer, 'card' AS kind, 0.25::DOUBLE AS rate, 123.45::DECIMAL(10,2) AS amount, DATE '2024-03-14' AS day, TIMESTAMP '2024-03-14 10:20:30' AS at, 9007199254740993::BIGINT AS big, NULL::VARCHAR AS nothing",
    );
    expect(result).toEqual({
      columnNames: ['answer', 'kind', 'rate', 'amount', 'day', 'at', 'big', 'nothing'],
      columns: [
        [42],
        ['card'],
        [0.25],
        ['123.45'],
        ['2024-03-14'],
        ['2024-03-14T10:20:30.000Z'],
        [9007199254740993n],
        [null],
      ],
      rowCount: 1,
    });
  });

  it('fetches a large result in chunks', async () => {
    const sql = engine({ chunkSize: 40_000 });
    const chunkSizes: number[] = [];
    let sum = 0;
    for await (const chunk of sql.queryChunks('SELECT range AS id FROM range(100000) ORDER BY id')) {
      chunkSizes.push(chunk.rowCount);
      for (const id of Array.from(chunk.columns[0] ?? [])) sum += id as number;
    }
    expect(chunkSizes).toEqual([40_000, 40_000, 20_000]);
    expect(sum).toBe((99_999 * 100_000) / 2);
    const all = await sql.query('SELECT range AS id FROM range(5000)', [], { chunkSize: 2_000 });
    expect(all.rowCount).toBe(5_000);
    expect(all.columns[0]?.[4_999]).toBe(4_999);
    expect(warehouse.stats().openOperations).toBe(0);
  });

  it('binds named and positional parameters', async () => {
    const sql = engine();
    const named = await sql.query(
      'SELECT :customer AS customer, :amount * 2 AS doubled, :note AS note, :missing AS missing',
      {
        customer: 17,
        amount: 1.25,
        note: "O'Brien",
        missing: null,
      },
    );
    expect(named.columns).toEqual([[17], [2.5], ["O'Brien"], [null]]);
    const positional = await sql.query('SELECT ? + ? AS total, ? AS flag', [40, 2, true]);
    expect(positional.columns).toEqual([[42], [true]]);
  });

  it('runs DDL and DML in one session', async () => {
    const sql = engine();
    await sql.query('CREATE TABLE engine_ddl (id BIGINT, amount DOUBLE)');
    const inserted = await sql.query('INSERT INTO engine_ddl VALUES (?, ?), (?, ?)', [1, 10.5, 2, 20.5]);
    expect(inserted).toEqual({
      columnNames: ['num_affected_rows', 'num_inserted_rows'],
      columns: [[2], [2]],
      rowCount: 1,
    });
    const total = await sql.query('SELECT sum(amount) AS total, count(*) AS n FROM engine_ddl');
    expect(total.columns).toEqual([[31], [2]]);
    expect((await sql.query('DROP TABLE engine_ddl')).columnNames).toEqual([]);
  });

  it('reports failing SQL as a DatabricksSqlError with the SQLSTATE, closing the operation and keeping the session', async () => {
    const sql = engine();
    await sql.query('SELECT 1');
    const before = warehouse.stats();
    const failure = await sql.query('SELECT amount FROM missing_table').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DatabricksSqlError);
    expect(failure).toMatchObject({
      code: 'SQL_STATEMENT_FAILED',
      sqlState: '42P01',
      message: expect.stringContaining('SQL statement failed: [TABLE_OR_VIEW_NOT_FOUND]'),
    });
    expect(warehouse.stats()).toMatchObject({ openOperations: 0, openSessions: before.openSessions });
    expect((await sql.query('SELECT 2 AS two')).columns).toEqual([[2]]);
  });

  it('reports a bad token as PermissionDenied without the token, and leaves nothing open', async () => {
    const secret = 'dapi-this-token-is-wrong';
    const sql = engine({ token: secret });
    const sessionsBefore = warehouse.stats().openSessions;
    const failure = await sql.query('SELECT 1').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(PermissionDenied);
    expect(failure).toMatchObject({ code: 'PERMISSION_DENIED', status: 403 });
    expect((failure as Error).message).toMatch(/rejected the credentials \(HTTP 403\)/);
    expect((failure as Error).message).not.toContain(secret);
    expect(JSON.stringify(failure)).not.toContain(secret);
    expect(warehouse.stats().openSessions).toBe(sessionsBefore);
  });

  it('takes an OAuth-style credentials provider, asking it for each request', async () => {
    let calls = 0;
    const sql = engine({
      token: undefined,
      credentials: {
        authorization: async () => {
          calls += 1;
          return `Bearer ${TOKEN}`;
        },
      },
    });
    expect((await sql.query('SELECT 1 AS one')).columns).toEqual([[1]]);
    expect(calls).toBeGreaterThan(0);
  });

  it('closes its session on close() and refuses queries afterwards', async () => {
    const sql = engine();
    await sql.query('SELECT 1');
    const open = warehouse.stats().openSessions;
    await sql.close();
    expect(warehouse.stats().openSessions).toBe(open - 1);
    await expect(sql.query('SELECT 1')).rejects.toMatchObject({ code: 'SQL_ENGINE_CLOSED' });
    await sql.close();
  });

  it('closes session and client when the connection fails, and reconnects on the next query', async () => {
    let other = await startSqlWarehouse({ tokens: [TOKEN] });
    const { port } = other;
    const sql = new DatabricksSqlEngine({
      host: other.host,
      port,
      httpPath: other.path,
      token: TOKEN,
      checkServerCertificate: false,
      retryMaxAttempts: 1,
    });
    try {
      await sql.query('CREATE TEMP TABLE session_state AS SELECT 1 AS x');
      await other.close(); // the warehouse goes away, and the session with it
      const failure = await sql.query('SELECT 1').catch((error: unknown) => error);
      expect(failure).toMatchObject({ code: 'NETWORK_ERROR' });
      expect((failure as Error).message).toContain(`Could not reach the SQL warehouse at ${other.host}:${port}`);
      other = await startSqlWarehouse({ tokens: [TOKEN], port }); // back, empty
      expect((await sql.query('SELECT 3 AS three')).columns).toEqual([[3]]);
      expect(other.stats().openSessions).toBe(1); // a fresh session, not the lost one
      await expect(sql.query('SELECT x FROM session_state')).rejects.toMatchObject({ sqlState: '42P01' });
    } finally {
      await sql.close();
      await other.close();
    }
  });

  it('serves two engines concurrently', async () => {
    const [a, b] = [engine(), engine()];
    await Promise.all([
      a.query('CREATE TEMP TABLE who AS SELECT 1 AS n'),
      b.query('CREATE TEMP TABLE who AS SELECT 2 AS n'),
    ]);
    const [fromA, fromB] = await Promise.all([
      a.query('SELECT n, (SELECT count(*) FROM range(200000)) AS c FROM who'),
      b.query('SELECT n, (SELECT count(*) FROM range(200000)) AS c FROM who'),
    ]);
    expect(fromA.columns).toEqual([[1], [200000]]);
    expect(fromB.columns).toEqual([[2], [200000]]);
  });
});
