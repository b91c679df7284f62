import type { DataSource } from 'typeorm';
import { preparedQuery, preparedStatement, type Db } from './database';

const NAME = 'some_statement';
const TEXT = 'SELECT * FROM conversations WHERE id = $1';
const VALUES = ['cv-1'];

function rawConnection() {
  return { query: jest.fn() };
}

function unexpectedPlainQuery() {
  return jest.fn(() => {
    throw new Error('Unexpected plain query: the statement must be prepared');
  });
}

describe('preparedQuery', () => {
  it('runs a named prepared statement on the transaction’s raw connection and answers its rows', async () => {
    const raw = rawConnection();
    raw.query.mockResolvedValueOnce({ rows: [{ id: 'cv-1' }], rowCount: 1 });
    const runner = { isReleased: false, connect: jest.fn().mockResolvedValue(raw) };
    const manager = { queryRunner: runner, query: unexpectedPlainQuery() };

    const rows = await preparedQuery<{ id: string }>(manager as unknown as Db, NAME, TEXT, VALUES);

    expect(rows).toEqual([{ id: 'cv-1' }]);
    expect(raw.query).toHaveBeenCalledTimes(1);
    expect(raw.query).toHaveBeenCalledWith({ name: NAME, text: TEXT, values: VALUES });
    expect(manager.query).not.toHaveBeenCalled();
  });

  it('falls back to a plain query on a manager without a query runner', async () => {
    const manager = { queryRunner: undefined, query: jest.fn().mockResolvedValueOnce([{ id: 'cv-1' }]) };

    const rows = await preparedQuery<{ id: string }>(manager as unknown as Db, NAME, TEXT, VALUES);

    expect(rows).toEqual([{ id: 'cv-1' }]);
    expect(manager.query).toHaveBeenCalledTimes(1);
    expect(manager.query).toHaveBeenCalledWith(TEXT, VALUES);
  });

  it('falls back to a plain query when the query runner is already released', async () => {
    const runner = { isReleased: true, connect: jest.fn() };
    const manager = { queryRunner: runner, query: jest.fn().mockResolvedValueOnce([]) };

    await expect(preparedQuery(manager as unknown as Db, NAME, TEXT, VALUES)).resolves.toEqual([]);
    expect(manager.query).toHaveBeenCalledWith(TEXT, VALUES);
    expect(runner.connect).not.toHaveBeenCalled();
  });
});

describe('preparedStatement', () => {
  function setup() {
    const raw = rawConnection();
    const runner = {
      manager: { queryRunner: undefined as unknown, query: unexpectedPlainQuery() },
      isReleased: false,
      connect: jest.fn().mockResolvedValue(raw),
      release: jest.fn().mockResolvedValue(undefined),
    };
    runner.manager.queryRunner = runner;
    const dataSource = { createQueryRunner: jest.fn().mockReturnValue(runner) };
    return { raw, runner, dataSource: dataSource as unknown as DataSource & typeof dataSource };
  }

  it('prepares the statement on a query runner of its own and releases it', async () => {
    const { raw, runner, dataSource } = setup();
    raw.query.mockResolvedValueOnce({ rows: [{ id: 'cv-1' }] });

    await expect(preparedStatement(dataSource, NAME, TEXT, VALUES)).resolves.toEqual([{ id: 'cv-1' }]);

    expect(dataSource.createQueryRunner).toHaveBeenCalledTimes(1);
    expect(raw.query).toHaveBeenCalledWith({ name: NAME, text: TEXT, values: VALUES });
    expect(runner.release).toHaveBeenCalledTimes(1);
  });

  it('releases the query runner when the statement fails', async () => {
    const { raw, runner, dataSource } = setup();
    raw.query.mockRejectedValueOnce(new Error('connection reset'));

    await expect(preparedStatement(dataSource, NAME, TEXT, VALUES)).rejects.toThrow('connection reset');
    expect(runner.release).toHaveBeenCalledTimes(1);
  });
});
