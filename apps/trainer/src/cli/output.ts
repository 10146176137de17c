import { SingleBar, Presets } from 'cli-progress';

/**
 * Where a command writes: the human summary or one JSON object on stdout, progress on stderr (only on a
 * TTY, never with --json), so scripts can pipe stdout.
 */
export interface CommandOutput {
  json: boolean;
  /** A line of the human summary (suppressed with --json). */
  line(text: string): void;
  /** The machine-readable result (printed only with --json). */
  result(value: unknown): void;
  /** A progress bar over `total` units; a no-op off a TTY or with --json. */
  progress(label: string, total: number): Progress;
  /** A one-line status message on stderr (e.g. a stage starting); suppressed with --json. */
  status(text: string): void;
}

export interface Progress {
  update(done: number): void;
  stop(): void;
}

const silentProgress: Progress = { update: () => undefined, stop: () => undefined };

export interface OutputStreams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

export function createOutput(json: boolean, streams: OutputStreams = process): CommandOutput {
  const interactive = !json && Boolean(streams.stderr.isTTY);
  return {
    json,
    line: (text) => {
      if (!json) streams.stdout.write(`${text}\n`);
    },
    result: (value) => {
      if (json) streams.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    },
    status: (text) => {
      if (!json) streams.stderr.write(`${text}\n`);
    },
    progress: (label, total) => {
      if (!interactive) return silentProgress;
      const bar = new SingleBar(
        { format: `${label} [{bar}] {percentage}% | {value}/{total} | {duration_formatted}`, stream: streams.stderr },
        Presets.shades_classic,
      );
      bar.start(total, 0);
      return { update: (done) => bar.update(done), stop: () => bar.stop() };
    },
  };
}
