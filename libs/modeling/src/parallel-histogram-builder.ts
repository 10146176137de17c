import { Worker, type MessagePort } from 'node:worker_threads';
import { ModelingError } from './errors.js';
import { HistogramPool, KernelCache, type HistogramBuilder, type HistogramInputs, type HistogramJob } from './histogram-builder.js';
import { HISTOGRAM_KERNEL_PARAMS, histogramKernelSource, type HistogramKernel } from './histogram.js';

/** Control block layout (Int32 words in shared memory). */
const SEQUENCE = 0;
const DONE = 1;
const FAILED = 2;
const SHUTDOWN = 3;
const JOB_COUNT = 4;
const JOBS = 5;
const MAX_JOBS_PER_ROUND = 4096;

/**
 * The worker: waits on the control block, builds its feature group's share of every queued histogram,
 * reports done. Kernels and new histogram chunks arrive on a port it drains synchronously, so the whole
 * round trip is two Atomics operations (a postMessage round trip would cost more than a small level).
 */
const WORKER_SOURCE = `
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const { control, codes, gradHess, rowIndex, port, size, slotsPerChunk } = workerData;
const chunks = [];
let kernel = null;
let seen = 0;
for (;;) {
  Atomics.wait(control, ${SEQUENCE}, seen);
  seen = Atomics.load(control, ${SEQUENCE});
  if (Atomics.load(control, ${SHUTDOWN}) === 1) break;
  try {
    for (let message = receiveMessageOnPort(port); message; message = receiveMessageOnPort(port)) {
      const m = message.message;
      if (m.type === 'chunk') chunks.push(m.chunk);
      else if (m.type === 'kernel') kernel = m.source === null ? null : new Function(${HISTOGRAM_KERNEL_PARAMS.map((p) => `'${p}'`).join(', ')}, m.source);
    }
    const jobs = control[${JOB_COUNT}];
    if (kernel !== null) {
      for (let j = 0; j < jobs; j++) {
        const slot = control[${JOBS} + 3 * j];
        const chunk = chunks[Math.floor(slot / slotsPerChunk)];
        const start = (slot % slotsPerChunk) * size;
        kernel(codes, gradHess, chunk.subarray(start, start + size), rowIndex, control[${JOBS} + 3 * j + 1], control[${JOBS} + 3 * j + 2]);
      }
    }
  } catch (error) {
    Atomics.store(control, ${FAILED}, 1);
  }
  Atomics.add(control, ${DONE}, 1);
  Atomics.notify(control, ${DONE});
}
`;

/** Splits features into `groups` contiguous groups of near-equal size (every thread scans the same rows). */
function featureGroups(features: Int32Array, groups: number): Int32Array[] {
  const result: Int32Array[] = [];
  for (let g = 0; g < groups; g++) {
    result.push(features.subarray(Math.floor((g * features.length) / groups), Math.floor(((g + 1) * features.length) / groups)));
  }
  return result;
}

class ParallelHistogramBuilder implements HistogramBuilder {
  readonly pool: HistogramPool;
  private readonly kernels: KernelCache;
  private kernel: HistogramKernel | null = null;

  constructor(
    private readonly inputs: HistogramInputs,
    private readonly workers: Worker[],
    private readonly ports: MessagePort[],
    private readonly control: Int32Array,
    slotsPerChunk: number,
  ) {
    this.kernels = new KernelCache(inputs.layout, inputs.rows);
    this.pool = new HistogramPool(
      inputs.layout.size,
      true,
      (chunk) => {
        for (const port of this.ports) port.postMessage({ type: 'chunk', chunk });
      },
      slotsPerChunk,
    );
  }

  setFeatures(features: Int32Array): void {
    const groups = featureGroups(features, this.workers.length + 1);
    this.kernel = groups[0].length > 0 ? this.kernels.get(groups[0]) : null;
    groups.slice(1).forEach((group, i) => {
      const source = group.length > 0 ? histogramKernelSource(group, this.inputs.layout, this.inputs.rows) : null;
      this.ports[i].postMessage({ type: 'kernel', source });
    });
  }

  build(jobs: readonly HistogramJob[]): void {
    for (let start = 0; start < jobs.length; start += MAX_JOBS_PER_ROUND) {
      this.buildRound(jobs.slice(start, start + MAX_JOBS_PER_ROUND));
    }
  }

  private buildRound(jobs: readonly HistogramJob[]): void {
    if (jobs.length === 0) return;
    const control = this.control;
    for (let j = 0; j < jobs.length; j++) {
      this.pool.view(jobs[j].slot).fill(0);
      control[JOBS + 3 * j] = jobs[j].slot;
      control[JOBS + 3 * j + 1] = jobs[j].begin;
      control[JOBS + 3 * j + 2] = jobs[j].end;
    }
    control[JOB_COUNT] = jobs.length;
    Atomics.store(control, DONE, 0);
    Atomics.add(control, SEQUENCE, 1);
    Atomics.notify(control, SEQUENCE);
    const kernel = this.kernel;
    if (kernel) {
      const { codes, gradHess, rowIndex } = this.inputs;
      for (const job of jobs) kernel(codes, gradHess, this.pool.view(job.slot), rowIndex, job.begin, job.end);
    }
    for (let done = Atomics.load(control, DONE); done < this.workers.length; done = Atomics.load(control, DONE)) {
      Atomics.wait(control, DONE, done);
    }
    if (Atomics.load(control, FAILED) === 1) {
      throw new ModelingError('RUNTIME_ERROR', 'a histogram worker thread failed');
    }
  }

  async close(): Promise<void> {
    Atomics.store(this.control, SHUTDOWN, 1);
    Atomics.add(this.control, SEQUENCE, 1);
    Atomics.notify(this.control, SEQUENCE);
    for (const port of this.ports) port.close();
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}

/**
 * A builder that splits every histogram's features between the calling thread and `workerCount` worker
 * threads. `inputs` arrays must live in SharedArrayBuffers.
 */
export async function createParallelHistogramBuilder(
  inputs: HistogramInputs,
  workerCount: number,
): Promise<HistogramBuilder> {
  const { MessageChannel } = await import('node:worker_threads');
  const control = new Int32Array(new SharedArrayBuffer((JOBS + 3 * MAX_JOBS_PER_ROUND) * 4));
  const slotsPerChunk = 16;
  const workers: Worker[] = [];
  const ports: MessagePort[] = [];
  for (let i = 0; i < workerCount; i++) {
    const channel = new MessageChannel();
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        control,
        codes: inputs.codes,
        gradHess: inputs.gradHess,
        rowIndex: inputs.rowIndex,
        port: channel.port2,
        size: inputs.layout.size,
        slotsPerChunk,
      },
      transferList: [channel.port2],
    });
    workers.push(worker);
    ports.push(channel.port1);
  }
  await Promise.all(
    workers.map(
      (worker) =>
        new Promise<void>((resolve, reject) => {
          worker.once('online', resolve);
          worker.once('error', (error) =>
            reject(new ModelingError('RUNTIME_ERROR', `a histogram worker thread failed to start: ${error.message}`)),
          );
        }),
    ),
  );
  return new ParallelHistogramBuilder(inputs, workers, ports, control, slotsPerChunk);
}
