import { Presets, SingleBar } from 'cli-progress';
import type { MappedError } from './error-mapping.js';

export interface CliStreams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

export interface Progress {
  update(done: number): void;
  stop(): void;
}

export interface Spinner {
  /** Shows what is happening now. */
  step(text: string): void;
  stop(): void;
}

export interface OutputOptions {
  /** Add GitHub Actions `::error` annotations to errors (set when GITHUB_ACTIONS is). */
  githubActions?: boolean;
  /** The program's name, the title of an annotation. */
  program?: string;
}

const silentProgress: Progress = { update: () => undefined, stop: () => undefined };
const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** The `--json` form of an error: `{"ok": false, "error": {code, message, exit_code, request_id?}}`. */
export function errorEnvelope(error: MappedError): { ok: false; error: Record<string, unknown> } {
  return {
    ok: false,
    error: {
      code: error.code,
      message: error.message,
      exit_code: error.exitCode,
      ...(error.requestId ? { request_id: error.requestId } : {}),
    },
  };
}

/**
 * Where a command writes, the same for every command of every CLI:
 * - humans get the summary as lines on stdout, status lines and progress (bar or spinner, on a TTY only) on
 *   stderr;
 * - `--json` gets exactly one JSON object on stdout: the result `{"ok": true, …}`, or, when the command fails
 *   before it has printed one, the error `{"ok": false, "error": {…}}` (see {@link errorEnvelope});
 *   nothing else goes to stdout, and no status or progress to stderr;
 * - errors always print one `error: <message>` line on stderr (and a GitHub Actions annotation there).
 */
export class Output {
  private resultWritten = false;

  constructor(
    readonly json: boolean,
    private readonly streams: CliStreams = process,
    private readonly options: OutputOptions = {},
  ) {
    // Commands hand these on as plain functions (`progress: output.progress`).
    this.line = this.line.bind(this);
    this.status = this.status.bind(this);
    this.result = this.result.bind(this);
    this.error = this.error.bind(this);
    this.progress = this.progress.bind(this);
    this.spinner = this.spinner.bind(this);
  }

  /** A line of the human summary (suppressed with --json). */
  line(text: string): void {
    if (!this.json) this.streams.stdout.write(`${text}\n`);
  }

  /** A one-line status message on stderr (a stage starting); suppressed with --json. */
  status(text: string): void {
    if (!this.json) this.streams.stderr.write(`${text}\n`);
  }

  /** The machine-readable result, `{"ok": true, ...value}` (printed only with --json). */
  result(value: object): void {
    if (!this.json) return;
    this.resultWritten = true;
    this.streams.stdout.write(`${JSON.stringify({ ok: true, ...value }, null, 2)}\n`);
  }

  /** Prints a mapped error: on stderr always, as the JSON envelope on stdout with --json (unless a result was). */
  error(error: MappedError): void {
    if (this.json && !this.resultWritten) {
      this.resultWritten = true;
      this.streams.stdout.write(`${JSON.stringify(errorEnvelope(error), null, 2)}\n`);
    }
    this.streams.stderr.write(`error: ${error.message}\n`);
    if (this.options.githubActions) {
      const title = this.options.program ?? 'fraudops';
      this.streams.stderr.write(`::error title=${title}::${error.message.replace(/\r?\n/g, ' ')}\n`);
    }
  }

  /** A progress bar over `total` units on stderr; a no-op off a TTY or with --json. */
  progress(label: string, total: number): Progress {
    if (this.json || !this.streams.stderr.isTTY) return silentProgress;
    const bar = new SingleBar(
      {
        format: `${label} [{bar}] {percentage}% | {value}/{total} | {duration_formatted}`,
        stream: this.streams.stderr,
      },
      Presets.shades_classic,
    );
    bar.start(total, 0);
    return { update: (done) => bar.update(done), stop: () => bar.stop() };
  }

  /** A spinner on stderr for work of unknown length; a no-op off a TTY or with --json. */
  spinner(): Spinner {
    const stderr = this.streams.stderr;
    if (this.json || !stderr.isTTY) return { step: () => undefined, stop: () => undefined };
    let text = '';
    let frame = 0;
    const draw = () => stderr.write(`\r\x1b[2K${FRAMES[frame++ % FRAMES.length]} ${text}`);
    const timer = setInterval(draw, 80);
    timer.unref();
    return {
      step: (next) => {
        text = next;
        draw();
      },
      stop: () => {
        clearInterval(timer);
        stderr.write('\r\x1b[2K');
      },
    };
  }
}

/** An {@link Output} for a command (the form the commands and their tests use). */
export function createOutput(json: boolean, streams: CliStreams = process, options: OutputOptions = {}): Output {
  return new Output(json, streams, options);
}
