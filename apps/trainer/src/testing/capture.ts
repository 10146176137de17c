import { Writable } from 'node:stream';
import { runCli } from '../cli/program.js';

/** A non-TTY output stream that keeps what a command wrote, for asserting on it in tests. */
export class Capture extends Writable {
  text = '';
  isTTY = false;
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

/**
 * Runs `fraudops-train <args>` in this process: stderr into a {@link Capture}, and process.stdout (where the
 * commands write their --json result) captured for the call.
 */
export async function runCliCaptured(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Capture();
  const stderr = new Capture();
  const writeOut = process.stdout.write.bind(process.stdout);
  process.stdout.write = (chunk: string | Uint8Array) => stdout.write(chunk);
  try {
    const code = await runCli(args, stderr);
    return { code, stdout: stdout.text, stderr: stderr.text };
  } finally {
    process.stdout.write = writeOut;
  }
}
