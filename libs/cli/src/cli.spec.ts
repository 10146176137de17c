import { Writable } from 'node:stream';
import { Command } from 'commander';
import { EvaluationError } from '@fraudops/evaluation';
import { FeaturesError } from '@fraudops/features';
import { ModelingError } from '@fraudops/modeling';
import { RegistryError } from '@fraudops/registry';
import { TransactionsError } from '@fraudops/transactions';
import {
  CliError,
  ExitCode,
  LIBRARY_EXIT_CODES,
  codeOfExit,
  createContext,
  databricksExitCode,
  mapError,
  runProgram,
  toCliError,
  type ErrorRoots,
} from './index.js';

class Capture extends Writable {
  text = '';
  isTTY = false;
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

const ROOTS: ErrorRoots = { TransactionsError, FeaturesError, ModelingError, EvaluationError, RegistryError };

describe('the exit-code table', () => {
  it('gives every exit code one name and every name one number', () => {
    const values = Object.values(ExitCode);
    expect(new Set(values).size).toBe(values.length);
    expect(ExitCode).toMatchObject({ ok: 0, unexpected: 1, usage: 2, interrupted: 130 });
  });

  it('names the --json code of an exit code after it', () => {
    expect(codeOfExit(ExitCode.usage)).toBe('USAGE');
    expect(codeOfExit(ExitCode.notFound)).toBe('NOT_FOUND');
    expect(codeOfExit(ExitCode.timedOut)).toBe('TIMED_OUT');
    expect(new CliError('x', ExitCode.invalidData).code).toBe('INVALID_DATA');
    expect(new CliError('x', ExitCode.conflict, 'GIT_FOLDER_URL_MISMATCH').code).toBe('GIT_FOLDER_URL_MISMATCH');
  });

  it('maps every library code to a number of the table (or to its cause)', () => {
    const numbers = new Set<unknown>(Object.values(ExitCode));
    for (const [root, codes] of Object.entries(LIBRARY_EXIT_CODES)) {
      for (const [code, exit] of Object.entries(codes)) {
        expect({ root, code, known: exit === 'cause' || numbers.has(exit) }).toEqual({ root, code, known: true });
      }
    }
  });
});

describe('mapError', () => {
  it('maps library errors by their code, keeping the message without a stack', () => {
    expect(mapError(new TransactionsError('INVALID_ROW', 'row 2, column tx_amount: must be ≥ 0'), ROOTS)).toEqual({
      exitCode: ExitCode.invalidData,
      code: 'INVALID_ROW',
      message: 'row 2, column tx_amount: must be ≥ 0',
      root: 'TransactionsError',
    });
    expect(mapError(new TransactionsError('FILE_NOT_FOUND', 'x.csv: no such file'), ROOTS).exitCode).toBe(
      ExitCode.notFound,
    );
    expect(mapError(new FeaturesError('UNKNOWN_SPEC', 'unknown feature spec "nope"'), ROOTS).exitCode).toBe(
      ExitCode.usage,
    );
    expect(mapError(new ModelingError('SINGLE_CLASS', 'one class'), ROOTS).exitCode).toBe(ExitCode.invalidData);
    expect(mapError(new EvaluationError('INVALID_ARGUMENT', 'k must be > 0'), ROOTS).exitCode).toBe(ExitCode.usage);
    expect(mapError(new RegistryError('ALIAS_NOT_FOUND', 'no @champion'), ROOTS).exitCode).toBe(ExitCode.notFound);
    expect(mapError(new RegistryError('CONFLICT', 'lock held'), ROOTS).exitCode).toBe(ExitCode.conflict);
  });

  it('follows the cause of a wrapping code, and never reads the message', () => {
    const cause = new TransactionsError('INVALID_ROW', 'row 1');
    const sql = new FeaturesError('SQL_FAILED', 'the query failed: no such file or directory', { cause });
    expect(mapError(sql, ROOTS)).toMatchObject({ exitCode: ExitCode.invalidData, code: 'SQL_FAILED' });
    const backend = new RegistryError('BACKEND_FAILURE', 'disk: not found', { cause: new Error('EIO') });
    expect(mapError(backend, ROOTS).exitCode).toBe(ExitCode.unexpected);
    // a message that says "no such file" does not make a not-found
    expect(mapError(new TransactionsError('FILE_ERROR', 'x.csv: no such file'), ROOTS).exitCode).toBe(
      ExitCode.invalidData,
    );
  });

  it('treats an error of a root the app did not pass, or a plain error, as unexpected with its stack', () => {
    const mapped = mapError(new ModelingError('INVALID_INPUT', 'bad'), { TransactionsError });
    expect(mapped).toMatchObject({ exitCode: ExitCode.unexpected, code: 'UNEXPECTED' });
    expect(mapped.message).toMatch(/ModelingError: bad\n\s+at /);
    expect(mapError('a string', ROOTS)).toEqual({ exitCode: 1, code: 'UNEXPECTED', message: 'a string' });
  });

  it('keeps a CliError as it is, with the request id of its cause', () => {
    const error = new CliError('nope', ExitCode.notFound, 'GIT_FOLDER_NOT_FOUND', { cause: { requestId: 'r-1' } });
    expect(mapError(error, ROOTS)).toEqual({
      exitCode: 4,
      code: 'GIT_FOLDER_NOT_FOUND',
      message: 'nope',
      root: 'CliError',
      requestId: 'r-1',
    });
  });

  it('rewords a library error into a CliError with the table exit code', () => {
    const wrapped = toCliError(new FeaturesError('UNKNOWN_SPEC', 'unknown'), ROOTS, (m) => `--spec: ${m}`);
    expect(wrapped).toBeInstanceOf(CliError);
    expect(wrapped).toMatchObject({ exitCode: ExitCode.usage, code: 'UNKNOWN_SPEC', message: '--spec: unknown' });
    const plain = new Error('x');
    expect(toCliError(plain, ROOTS)).toBe(plain);
  });
});

describe('databricksExitCode', () => {
  it('decides by code first, then by HTTP status', () => {
    expect(databricksExitCode({ code: 'CONFIG_MISSING' })).toBe(ExitCode.usage);
    expect(databricksExitCode({ code: 'GIT_UNKNOWN_REF', status: 400 })).toBe(ExitCode.notFound);
    expect(databricksExitCode({ code: 'GIT_CONFLICT', status: 400 })).toBe(ExitCode.conflict);
    expect(databricksExitCode({ code: 'INVALID_PARAMETER_VALUE', status: 400 })).toBe(ExitCode.unexpected);
    expect(databricksExitCode({ code: 'SOME_NEW_CODE', status: 403 })).toBe(ExitCode.auth);
    expect(databricksExitCode({ code: 'SOME_NEW_CODE', status: 404 })).toBe(ExitCode.notFound);
    expect(databricksExitCode({ code: 'SOME_NEW_CODE', status: 502 })).toBe(ExitCode.unavailable);
    expect(databricksExitCode({ code: 'NETWORK_ERROR' })).toBe(ExitCode.unavailable);
    expect(databricksExitCode({ code: 'RUN_FAILED' })).toBe(ExitCode.runFailed);
    expect(databricksExitCode({ code: 'WAIT_TIMEOUT' })).toBe(ExitCode.timedOut);
    // our own signal (no answer) vs the server's concurrent-modification answer
    expect(databricksExitCode({ code: 'ABORTED' })).toBe(ExitCode.interrupted);
    expect(databricksExitCode({ code: 'ABORTED', status: 409 })).toBe(ExitCode.conflict);
  });
});

describe('runProgram and the --json envelope', () => {
  function program(action: (json: boolean) => void | Promise<void>, context: ReturnType<typeof createContext>) {
    const root = new Command('demo');
    root
      .command('go')
      .option('--json')
      .action(async (options: { json?: boolean }) => {
        const output = context.output(Boolean(options.json));
        output.status('working');
        await action(Boolean(options.json));
      });
    return root;
  }

  async function run(argv: string[], action: (output: ReturnType<ReturnType<typeof createContext>['output']>) => void) {
    const stdout = new Capture();
    const stderr = new Capture();
    const context = createContext('demo', { streams: { stdout, stderr }, env: {} });
    const code = await runProgram(
      program(() => action(context.current as ReturnType<typeof context.output>), context),
      argv,
      { context, roots: ROOTS },
    );
    return { code, stdout: stdout.text, stderr: stderr.text };
  }

  it('prints the result as {"ok": true, …} with --json, and lines without', async () => {
    const act = (o: ReturnType<ReturnType<typeof createContext>['output']>) => {
      o.line('rows 3');
      o.result({ rows: 3 });
    };
    expect(await run(['go', '--json'], act)).toEqual({
      code: 0,
      stdout: '{\n  "ok": true,\n  "rows": 3\n}\n',
      stderr: '',
    });
    expect(await run(['go'], act)).toEqual({ code: 0, stdout: 'rows 3\n', stderr: 'working\n' });
  });

  it('prints an error once: the envelope on stdout with --json, one line on stderr', async () => {
    const fail = () => {
      throw new RegistryError('MODEL_NOT_FOUND', 'no model "x"');
    };
    const json = await run(['go', '--json'], fail);
    expect(json.code).toBe(ExitCode.notFound);
    expect(JSON.parse(json.stdout)).toEqual({
      ok: false,
      error: { code: 'MODEL_NOT_FOUND', message: 'no model "x"', exit_code: 4 },
    });
    expect(json.stderr).toBe('error: no model "x"\n');
    expect(await run(['go'], fail)).toEqual({ code: 4, stdout: '', stderr: 'working\nerror: no model "x"\n' });
  });

  it('keeps stdout to one object when the command fails after printing its result', async () => {
    const both = await run(['go', '--json'], (o) => {
      o.result({ run: 7 });
      throw new CliError('run 7 did not succeed', ExitCode.runFailed);
    });
    expect(both.code).toBe(7);
    expect(JSON.parse(both.stdout)).toEqual({ ok: true, run: 7 });
    expect(both.stderr).toBe('error: run 7 did not succeed\n');
  });

  it('keeps its methods bound when handed on as functions', () => {
    const stdout = new Capture();
    // eslint-disable-next-line @typescript-eslint/unbound-method -- handing them on unbound is what this test checks
    const { line, progress } = createContext('demo', { streams: { stdout, stderr: new Capture() }, env: {} }).output(
      false,
    );
    line('handed on');
    const bar = progress('rows', 10);
    bar.update(5);
    bar.stop();
    expect(stdout.text).toBe('handed on\n');
  });

  it('exits 2 on a usage error commander found, 0 on --help', async () => {
    const unknown = await run(['go', '--nope'], () => undefined);
    expect(unknown.code).toBe(ExitCode.usage);
    expect(unknown.stderr).toContain("unknown option '--nope'");
    const help = await run(['go', '--help'], () => undefined);
    expect(help.code).toBe(ExitCode.ok);
    expect(help.stdout).toContain('Usage: demo go');
  });
});
