import { Writable } from 'node:stream';

/** A non-TTY output stream that keeps what a command wrote, for asserting on it in tests. */
export class Capture extends Writable {
  text = '';
  isTTY = false;
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}
