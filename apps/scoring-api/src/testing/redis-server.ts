import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real `redis-server` for tests: its own temp directory and an ephemeral port, append-only file with
 * fsync on every write (so a SIGKILL loses no acknowledged write), killed and removed by `stop()`.
 * `kill()` + `start()` restart it on the same port and data; `pause()` / `resume()` make it hang (SIGSTOP).
 */
export class TestRedisServer {
  readonly dir: string;
  port = 0;
  private child: ChildProcess | undefined;
  private output = '';

  private constructor(private readonly binary: string) {
    this.dir = mkdtempSync(join(tmpdir(), 'fraudops-redis-'));
  }

  static async start(options: { binary?: string; deadlineMs?: number } = {}): Promise<TestRedisServer> {
    const server = new TestRedisServer(options.binary ?? process.env['FRAUDOPS_REDIS_SERVER'] ?? 'redis-server');
    await server.start(options.deadlineMs);
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  /** Starts (or restarts) the server and waits until it answers PING. */
  async start(deadlineMs = 20_000): Promise<void> {
    if (this.child) throw new Error('redis-server is already running');
    if (this.port === 0) this.port = await freePort();
    this.output = '';
    const child = spawn(
      this.binary,
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.dir,
        '--save',
        '',
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--protected-mode',
        'no',
        '--daemonize',
        'no',
        '--loglevel',
        'warning',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    child.stdout?.on('data', (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-4000)));
    child.stderr?.on('data', (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-4000)));
    let exited: string | undefined;
    child.once('exit', (code, signal) => {
      exited = `redis-server exited (${code ?? signal}): ${this.output}`;
      if (this.child === child) this.child = undefined;
    });
    child.once('error', (error) => (exited = `redis-server could not start: ${error.message}`));
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      if (exited) throw new Error(exited);
      if (await answersPing(this.port)) return;
      if (Date.now() > deadline)
        throw new Error(`redis-server did not answer PING within ${deadlineMs} ms: ${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** SIGKILL, as a crash: waits for the process to be gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await gone;
    this.child = undefined;
  }

  /** Freezes the server (it keeps its connections open but answers nothing). */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  async stop(): Promise<void> {
    this.resume();
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A port the kernel just handed out (and released): redis-server cannot take port 0 itself. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** One PING over a fresh socket; false on any error or on no +PONG within a second. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    let reply = '';
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 1000);
    socket.once('error', () => done(false));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
    socket.once('connect', () => socket.write('PING\r\n'));
  });
}
