import { DBSQLClient } from '@databricks/sql';
import { startSqlWarehouse, type SqlWarehouse } from './index.js';

// The real driver against the local warehouse: every call below crosses HTTPS and Thrift and runs on DuckDB.
const TOKEN = 'dapi-local-test-token';

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

  async function connect(token = TOKEN): Promise<DBSQLClient> {
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
    return client;
  }

  async function queryAll(sql: string, options: Parameters<Awaited<ReturnType<DBSQLClient['openSession']>>['executeStatement']>[1] = {}) {
    const session = await (await connect()).openSession();
    try {
      const operation = await session.executeStatement(sql, options);
      try {
        return await operation.fetchAll();
      } finally {
        await operation.close();
      }
    } finally {
      await session.close();
    }
  }

  it('answers a scalar query with Spark-typed values, verifying its own TLS certificate', async () => {
    const rows = await queryAll(
      "SELECT 1 AS one, 'fraud' AS label, 2.5::DOUBLE AS ratio, 12.34::DECIMAL(10,2) AS amount, DATE '2024-03-14' AS day, TIMESTAMP '2024-03-14 10:20:30.123' AS at, true AS flag, NULL::INTEGER AS missing, 9007199254740993::BIGINT AS big",
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
        big: 9007199254740992, // the driver's default number conversion, as against a real warehouse
      },
    ]);
  });
});
