import { request } from 'node:https';
import { DBSQLClient, DBSQLParameter, DBSQLParameterType } from '@databricks/sql';
import { startSqlWarehouse, type SqlWarehouse } from './index.js';
import { waitUntil } from '../testing/wait.js';

// The real driver against the local warehouse: every call below crosses HTTPS and Thrift and runs on DuckDB.
const TOKEN = 'dapi-local-test-token';

type Session = Awaited<ReturnType<DBSQLClient['openSession']>>;
type ExecuteOptions = Parameters<Session['executeStatement']>[1];

describe('local SQL warehouse, through the real @databricks/sql driver', () => {
  let warehouse: SqlWarehouse;
  const clients: DBSQLClient[] = [];

  beforeAll(async () => {
    warehouse = await startSqlWarehouse({ tokens: [TOKEN] });
  });

  afterAll(async () => {
    for (const client of clients) await client.close();
    await warehouse.close();
  });

  async function openSession(token = TOKEN): Promise<Session> {
    const client = new DBSQLClient({ logger: { log: () => undefined } });
    clients.push(client);
    await client.connect({
      host: warehouse.host,
      port: warehouse.port,
      path: warehouse.path,
      token,
      customCaCert: warehouse.certificatePem,
      telemetryEnabled: false,
    });
    return client.openSession();
  }

  async function run(session: Session, sql: string, options: ExecuteOptions = {}): Promise<object[]> {
    const operation = await session.executeStatement(sql, options);
    try {
      return await operation.fetchAll();
    } finally {
      await operation.close();
    }
  }

  async function queryOnce(sql: string, options: ExecuteOptions = {}): Promise<object[]> {
    const session = await openSession();
    try {
      return await run(session, sql, options);
    } finally {
      await session.close();
    }
  }

  it('answers a scalar query with Spark-typed values, over TLS verified against its own certificate', async () => {
    const rows = await queryOnce(
      "SELECT 1 AS one, 'fraud' AS label, 2.5::DOUBLE AS ratio, 12.34::DECIMAL(10,2) AS amount, DATE '2024-03-14' AS day, TIMESTAMP '2024-03-14 10:20:30.123' AS at, true AS flag, NULL::INTEGER AS missing, sum(x) AS total, [1, 2] AS list FROM (VALUES (40), (2)) t(x)",
    );
    expect(rows).toEqual([
      {
        one: 1,
        label: 'fraud',
        ratio: 2.5,
        amount: 12.34,
        day: new Date('2024-03-14T00:00:00.000Z'),
        at: new Date('2024-03-14T10:20:30.123Z'),
        flag: true,
        missing: null,
        total: 42, // DuckDB's HUGEINT sum reported as Spark's BIGINT
        list: [1, 2],
      },
    ]);
  });

  it('pages a 120,000-row result in FetchResults calls of at most maxRows', async () => {
    const session = await openSession();
    const operation = await session.executeStatement('SELECT range AS id, range * 2 AS twice FROM range(120000)');
    const pages: number[] = [];
    let idSum = 0;
    let lastId = -1;
    let ordered = true;
    do {
      const rows = (await operation.fetchChunk({ maxRows: 100_000, disableBuffering: true })) as Array<{
        id: number;
        twice: number;
      }>;
      pages.push(rows.length);
      for (const row of rows) {
        idSum += row.id;
        if (row.id !== lastId + 1 || row.twice !== row.id * 2) ordered = false;
        lastId = row.id;
      }
    } while (await operation.hasMoreRows());
    await operation.close();
    await session.close();
    expect(pages).toEqual([100_000, 20_000]);
    expect(ordered).toBe(true);
    expect(idSum).toBe((119_999 * 120_000) / 2);
  });

  it('binds named and positional parameters with their Spark types', async () => {
    const named = await queryOnce(
      'SELECT :amount * 2 AS doubled, :label AS label, :day AS day, :flag AS flag, :nothing IS NULL AS nothing_is_null, :price AS price',
      {
        namedParameters: {
          amount: 21,
          label: "it's :label",
          day: new DBSQLParameter({ type: DBSQLParameterType.DATE, value: new Date('2024-03-14T00:00:00Z') }),
          flag: true,
          nothing: null,
          price: new DBSQLParameter({ type: DBSQLParameterType.DECIMAL, value: '19.99' }),
        },
      },
    );
    expect(named).toEqual([
      {
        doubled: 42,
        label: "it's :label",
        day: new Date('2024-03-14T00:00:00.000Z'),
        flag: true,
        nothing_is_null: true,
        price: 19.99,
      },
    ]);
    const positional = await queryOnce('SELECT ? + ? AS total, ? AS at', {
      ordinalParameters: [40, 2.5, new Date('2024-03-14T10:00:00.000Z')],
    });
    expect(positional).toEqual([{ total: 42.5, at: new Date('2024-03-14T10:00:00.000Z') }]);
  });

  it('runs the Spark functions and operators DuckDB lacks', async () => {
    const rows = await queryOnce(
      "SELECT unix_micros(TIMESTAMP '2024-01-01 00:00:01.5') AS us, unix_millis(TIMESTAMP '2024-01-01 00:00:01.5') AS ms, unix_seconds(TIMESTAMP '2024-01-01 00:00:01.9') AS s, timestamp_micros(1704067201500000) AS from_us, timestamp_millis(1704067201500) AS from_ms, timestamp_seconds(1704067201) AS from_s, 17 DIV 5 AS `quotient`",
    );
    expect(rows).toEqual([
      {
        us: 1704067201500000,
        ms: 1704067201500,
        s: 1704067201,
        from_us: new Date('2024-01-01T00:00:01.500Z'),
        from_ms: new Date('2024-01-01T00:00:01.500Z'),
        from_s: new Date('2024-01-01T00:00:01.000Z'),
        quotient: 3,
      },
    ]);
  });

  it('runs DDL and DML, answering affected-row counts like Delta', async () => {
    const session = await openSession();
    expect(await run(session, 'CREATE TABLE ddl_dml (id INT, amount DOUBLE)')).toEqual([]);
    expect(await run(session, 'INSERT INTO ddl_dml VALUES (1, 10.0), (2, 20.0), (3, 30.0)')).toEqual([
      { num_affected_rows: 3, num_inserted_rows: 3 },
    ]);
    expect(await run(session, 'UPDATE ddl_dml SET amount = amount + 1 WHERE id >= 2')).toEqual([
      { num_affected_rows: 2 },
    ]);
    expect(await run(session, 'DELETE FROM ddl_dml WHERE id = 1')).toEqual([{ num_affected_rows: 1 }]);
    expect(await run(session, 'SELECT id, amount FROM ddl_dml ORDER BY id')).toEqual([
      { id: 2, amount: 21 },
      { id: 3, amount: 31 },
    ]);
    expect(await run(session, 'DROP TABLE ddl_dml')).toEqual([]);
    await session.close();
  });

  it('reports failing SQL as ERROR_STATE with a display message and SQLSTATE', async () => {
    const session = await openSession();
    try {
      await expect(run(session, 'SELECT * FROM no_such_table')).rejects.toMatchObject({
        errorCode: 'ERROR',
        message: expect.stringMatching(
          /^\[TABLE_OR_VIEW_NOT_FOUND\] Catalog Error: Table with name no_such_table does not exist!.* SQLSTATE: 42P01$/s,
        ),
        response: expect.objectContaining({ sqlState: '42P01' }),
      });
      await expect(run(session, 'SELEC 1')).rejects.toMatchObject({
        response: expect.objectContaining({ sqlState: '42601' }),
      });
      // The session survives a failed statement.
      expect(await run(session, 'SELECT 7 AS seven')).toEqual([{ seven: 7 }]);
    } finally {
      await session.close();
    }
  });

  it('refuses a bad token with HTTP 403 and a missing one with 401, at once (nothing the driver retries)', async () => {
    const started = Date.now();
    await expect(openSession('dapi-wrong')).rejects.toMatchObject({ statusCode: 403 });
    expect(Date.now() - started).toBeLessThan(5_000);
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const call = request(
        {
          host: warehouse.host,
          port: warehouse.port,
          path: warehouse.path,
          method: 'POST',
          ca: warehouse.certificatePem,
          servername: 'localhost',
        },
        (response) => {
          response.resume();
          resolve(response.statusCode);
        },
      );
      call.on('error', reject);
      call.end(Buffer.alloc(0));
    });
    expect(status).toBe(401);
  });

  it('answers calls it does not implement with a Thrift application exception', async () => {
    const session = await openSession();
    await expect(session.getCatalogs()).rejects.toThrow(/GetCatalogs is not supported by the local SQL warehouse/);
    await session.close();
  });

  it('cancels a running statement', async () => {
    const session = await openSession();
    const operation = await session.executeStatement(
      'SELECT sum(a.range * b.range) FROM range(200000) a, range(200000) b',
    );
    const RUNNING_STATE = 1; // TOperationState.RUNNING_STATE in the driver's Thrift protocol
    await waitUntil('the statement to run', async () => (await operation.status()).operationState === RUNNING_STATE);
    await operation.cancel();
    await expect(operation.fetchAll()).rejects.toThrow(/cancel/i);
    expect(await run(session, 'SELECT 1 AS still_alive')).toEqual([{ still_alive: 1 }]);
    await session.close();
  });

  it('serves two sessions at once, each with its own connection state', async () => {
    const [a, b] = await Promise.all([openSession(), openSession()]);
    await Promise.all([
      run(a, 'CREATE TEMP TABLE mine AS SELECT 1 AS who'),
      run(b, 'CREATE TEMP TABLE mine AS SELECT 2 AS who'),
    ]);
    const [fromA, fromB] = await Promise.all([
      run(a, 'SELECT who, (SELECT count(*) FROM range(300000)) AS n FROM mine'),
      run(b, 'SELECT who, (SELECT count(*) FROM range(300000)) AS n FROM mine'),
    ]);
    expect(fromA).toEqual([{ who: 1, n: 300000 }]);
    expect(fromB).toEqual([{ who: 2, n: 300000 }]);
    await Promise.all([a.close(), b.close()]);
    expect(warehouse.stats()).toMatchObject({ openSessions: 0, openOperations: 0 });
  });
});
