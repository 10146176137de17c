import { SqlStatementError } from './sql-errors.js';
import { duckDbTypeFor, toDuckDbStatement } from './statement.js';

describe('toDuckDbStatement', () => {
  it('binds named markers as typed casts and leaves :: casts, quoted text and comments alone', () => {
    const sql = [
      'SELECT :amount AS a, x::INT AS b, \':amount\' AS quoted, "col:amount" AS ident -- :amount in a comment',
      'FROM t /* :customer */ WHERE customer_id = :customer AND amount > :amount',
    ].join('\n');
    const out = toDuckDbStatement(sql, [
      { name: 'amount', type: 'DOUBLE', value: '12.5' },
      { name: 'customer', type: 'BIGINT', value: '42' },
      { name: 'unused', type: 'STRING', value: 'x' },
    ]);
    expect(out.sql).toBe(
      [
        'SELECT CAST($amount AS DOUBLE) AS a, x::INT AS b, \':amount\' AS quoted, "col:amount" AS ident -- :amount in a comment',
        'FROM t /* :customer */ WHERE customer_id = CAST($customer AS BIGINT) AND amount > CAST($amount AS DOUBLE)',
      ].join('\n'),
    );
    expect(out.values).toEqual({ amount: '12.5', customer: '42' });
  });

  it('numbers positional markers in order and skips ? inside strings', () => {
    const out = toDuckDbStatement("SELECT ?, '?', ?", [
      { type: 'INTEGER', value: '1' },
      { type: 'STRING', value: "it's" },
    ]);
    expect(out.sql).toBe("SELECT CAST($p1 AS INTEGER), '?', CAST($p2 AS VARCHAR)");
    expect(out.values).toEqual({ p1: '1', p2: "it's" });
  });

  it('turns a NULL parameter (no type, no value) into NULL', () => {
    expect(toDuckDbStatement('SELECT :x IS NULL', [{ name: 'x' }])).toEqual({ sql: 'SELECT NULL IS NULL', values: {} });
  });

  it('reads Spark string escapes when skipping quoted text', () => {
    const out = toDuckDbStatement("SELECT 'a\\' :x', 'b'' :x', :x", [{ name: 'x', type: 'INT', value: '7' }]);
    expect(out.sql).toBe("SELECT 'a\\' :x', 'b'' :x', CAST($x AS INTEGER)");
  });

  it('leaves colons and question marks alone when no parameters were sent', () => {
    expect(toDuckDbStatement('SELECT \'{"a":1}\' AS j, 1 AS x WHERE true').sql).toBe(
      'SELECT \'{"a":1}\' AS j, 1 AS x WHERE true',
    );
    expect(toDuckDbStatement('SELECT x FROM t WHERE a = :not_a_parameter').sql).toBe(
      'SELECT x FROM t WHERE a = :not_a_parameter',
    );
  });

  it('rewrites backtick identifiers to double quotes', () => {
    expect(toDuckDbStatement('SELECT `tx amount`, `a``b`, `say "hi"` FROM `db`.`t`').sql).toBe(
      'SELECT "tx amount", "a`b", "say ""hi""" FROM "db"."t"',
    );
  });

  it("rewrites Spark's DIV operator to // only between operands", () => {
    expect(
      toDuckDbStatement(
        "SELECT a DIV 2, (x + 1) div y, div, t.div, 'p DIV q' FROM t WHERE div DIV 3 > 0 AND CASE WHEN b THEN 9 END DIV 2 = 4",
      ).sql,
    ).toBe(
      "SELECT a // 2, (x + 1) // y, div, t.div, 'p DIV q' FROM t WHERE div // 3 > 0 AND CASE WHEN b THEN 9 END // 2 = 4",
    );
    expect(toDuckDbStatement('SELECT :n DIV 2', [{ name: 'n', type: 'INT', value: '9' }]).sql).toBe(
      'SELECT CAST($n AS INTEGER) // 2',
    );
  });

  it('refuses an unbound named parameter, too few positional ones, and a mix of both', () => {
    const unbound = () => toDuckDbStatement('SELECT :a, :b', [{ name: 'a', type: 'INT', value: '1' }]);
    expect(unbound).toThrow(SqlStatementError);
    expect(unbound).toThrow(/unbound parameter: b/);
    expect(() => toDuckDbStatement('SELECT ?, ?', [{ type: 'INT', value: '1' }])).toThrow(/more \? markers than the 1/);
    expect(() =>
      toDuckDbStatement('SELECT ?, :a', [
        { type: 'INT', value: '1' },
        { name: 'a', type: 'INT', value: '2' },
      ]),
    ).toThrow(/either use positional, or named parameters/);
  });
});

describe('duckDbTypeFor', () => {
  it('maps Spark parameter types, deriving a bare DECIMAL from its value', () => {
    expect(duckDbTypeFor('TIMESTAMP', '2024-03-14T10:00:00.000Z')).toBe('TIMESTAMPTZ');
    expect(duckDbTypeFor('timestamp_ntz', '2024-03-14 10:00:00')).toBe('TIMESTAMP');
    expect(duckDbTypeFor('DECIMAL', '-00123.4500')).toBe('DECIMAL(7,4)');
    expect(duckDbTypeFor('DECIMAL', '0.001')).toBe('DECIMAL(3,3)');
    expect(duckDbTypeFor('DECIMAL(10, 2)', '1')).toBe('DECIMAL(10,2)');
    expect(() => duckDbTypeFor('ARRAY<INT>', '[1]')).toThrow(/not supported/);
  });
});
