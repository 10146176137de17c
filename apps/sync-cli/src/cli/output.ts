import type { MappedError } from './error-mapping.js';

export interface CliStreams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

export interface Spinner {
  /** Shows what is happening now. */
  step(text: string): void;
  stop(): void;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * Where the CLI writes. Humans get lines on stdout and a spinner on stderr (TTY only); `--json` gets one
 * JSON object on stdout and nothing else there; CI logs (no TTY) get the result lines only — quiet, and
 * GitHub Actions error annotations when GITHUB_ACTIONS is set.
 */
export class Output {
  constructor(
    readonly json: boolean,
    private readonly streams: CliStreams,
    private readonly githubActions = false,
  ) {}

  line(text: string): void {
    if (!this.json) this.streams.stdout.write(`${text}\n`);
  }

  result(value: object): void {
    if (this.json) this.streams.stdout.write(`${JSON.stringify({ ok: true, ...value }, null, 2)}\n`);
  }

  error(error: MappedError): void {
    if (this.json) {
      const body = {
        code: error.code,
        message: error.message,
        exit_code: error.exitCode,
        ...(error.requestId ? { request_id: error.requestId } : {}),
      };
      this.streams.stdout.write(`${JSON.stringify({ ok: false, error: body }, null, 2)}\n`);
    }
    this.streams.stderr.write(`error: ${error.message}\n`);
    if (this.githubActions)
      this.streams.stderr.write(`::error title=fraudops-sync::${error.message.replace(/\r?\n/g, ' ')}\n`);
  }

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
