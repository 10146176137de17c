import { schemaColumns, toColumnar } from './columnar-result.js';

// Thrift TTypeId values as the driver reports them.
const INT = 3;
const BIGINT = 4;
const STRING = 7;
const TIMESTAMP = 8;
const BINARY = 9;
const ARRAY = 10;
const DECIMAL = 15;
const DATE = 17;

const column = (columnName: string, position: number, type: number) => ({
  columnName,
  position,
  typeDesc: { types: [{ primitiveEntry: { type } }] },
});

describe('schemaColumns', () => {
  it('orders columns by position', () => {
    expect(schemaColumns({ columns: [column('b', 2, STRING), column('a', 1, INT)] })).toEqual({
      names: ['a', 'b'],
      types: [INT, STRING],
    });
    expect(schemaColumns(null)).toEqual({ names: [], types: [] });
  });
});

describe('toColumnar', () => {
  it('turns driver rows into SqlValue columns', () => {
    const names = ['i', 'big', 'huge', 'd', 'ts', 'day', 'bin', 'list', 's'];
    const types = [INT, BIGINT, BIGINT, DECIMAL, TIMESTAMP, DATE, BINARY, ARRAY, STRING];
    const rows = [
      {
        i: 1,
        big: 42n,
        huge: 9007199254740993n,
        d: '12.30',
        ts: new Date('2024-03-14T10:20:30.123Z'),
        day: new Date('2024-03-14T00:00:00Z'),
        bin: Buffer.from('hi'),
        list: [1, 2n],
        s: 'x',
      },
      { i: null, big: null, huge: null, d: null, ts: null, day: null, bin: null, list: null, s: null },
    ];
    expect(toColumnar(names, types, rows)).toEqual({
      columnNames: names,
      columns: [
        [1, null],
        [42, null],
        [9007199254740993n, null],
        ['12.30', null],
        ['2024-03-14T10:20:30.123Z', null],
        ['2024-03-14', null],
        ['aGk=', null],
        ['[1,"2"]', null],
        ['x', null],
      ],
      rowCount: 2,
    });
  });
});
