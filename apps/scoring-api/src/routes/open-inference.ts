import { Router, type Request } from 'express';
import { z } from 'zod';
import { ScoringError } from '../errors.js';
import { jsonBody } from '../http/json-body.js';
import { parseBody } from '../http/validation.js';
import type { ServedModel } from '../model/served-model.js';
import type { ScoringService } from '../scoring-service.js';

/** The server's name in `GET /v2` (Open Inference Protocol metadata). */
export const SERVER_NAME = 'fraudops-scoring-api';
export const SERVER_VERSION = '0.1.0';
/** Name of the input tensor; the ONNX graph's input has the same name. */
export const INPUT_NAME = 'features';
export const OUTPUT_NAME = 'probability';

const finiteNumber = z.number().refine(Number.isFinite, 'must be a finite number');

const inferRequest = z.object({
  id: z.string().max(128).optional(),
  parameters: z.record(z.string(), z.unknown()).optional(),
  inputs: z
    .array(
      z.object({
        name: z.string().min(1).max(128),
        shape: z.array(z.number().int().nonnegative()).length(2, 'must be [rows, features]'),
        datatype: z.literal('FP32', 'must be "FP32"'),
        // Flat row-major data, or one array per row.
        data: z.union([z.array(finiteNumber), z.array(z.array(finiteNumber))]),
        parameters: z.record(z.string(), z.unknown()).optional(),
      }),
    )
    .length(1, 'must hold exactly one input tensor'),
  outputs: z.array(z.object({ name: z.string() })).optional(),
});

function modelMetadata(model: ServedModel) {
  return {
    name: model.name,
    versions: [String(model.version)],
    platform: 'onnxruntime_onnx',
    inputs: [{ name: INPUT_NAME, datatype: 'FP32', shape: [-1, model.featureSpec.features.length] }],
    outputs: [{ name: OUTPUT_NAME, datatype: 'FP32', shape: [-1, 1] }],
    parameters: {
      feature_names: model.featureSpec.features,
      feature_spec_hash: model.featureSpec.hash,
      threshold: model.threshold.value,
    },
  };
}

/**
 * The Open Inference Protocol v2 (KServe, Triton, Seldon) over the champion: stateless scoring of
 * precomputed FP32 [N, F] feature tensors, for clients that compute features themselves.
 */
// eslint-disable-next-line max-lines-per-function -- a route table: the Open Inference Protocol's endpoints on one router
export function openInferenceRoutes<T>(
  service: ScoringService<T>,
  options: { bodyLimitBytes: number; maxBatch: number },
): Router {
  const router = Router();
  const champion = (req: Request): ServedModel => {
    const model = service.champion.model;
    if (!model) throw new ScoringError('NOT_READY', 'No model is loaded yet.');
    const name = req.params.name;
    if (name !== model.name)
      throw new ScoringError(
        'NOT_FOUND',
        `No model named "${String(name).slice(0, 64)}"; this server serves "${model.name}".`,
      );
    const version = req.params.version;
    if (version !== undefined && version !== String(model.version)) {
      throw new ScoringError('NOT_FOUND', `Model "${model.name}" is served at version ${model.version} only.`);
    }
    return model;
  };

  router.get('/v2', (_req, res) => {
    res.json({ name: SERVER_NAME, version: SERVER_VERSION, extensions: [] });
  });
  for (const base of ['/v2/models/:name', '/v2/models/:name/versions/:version']) {
    router.get(base, (req, res) => {
      res.json(modelMetadata(champion(req)));
    });
    router.get(`${base}/ready`, (req, res) => {
      const model = champion(req);
      const ready = service.readiness().ready;
      res.status(ready ? 200 : 503).json({ name: model.name, ready });
    });
    router.post(`${base}/infer`, jsonBody(options.bodyLimitBytes), async (req, res) => {
      const model = champion(req);
      const request = parseBody(inferRequest, req.body, 'inference request');
      const input = request.inputs[0];
      const width = model.featureSpec.features.length;
      const [rows, columns] = input.shape;
      const problems = [];
      if (input.name !== INPUT_NAME) problems.push({ path: 'inputs[0].name', problem: `must be "${INPUT_NAME}"` });
      if (columns !== width)
        problems.push({ path: 'inputs[0].shape[1]', problem: `must be ${width} (the model's feature count)` });
      if (rows < 1 || rows > options.maxBatch)
        problems.push({ path: 'inputs[0].shape[0]', problem: `must be from 1 to ${options.maxBatch}` });
      const flat = flatten(input.data, width);
      if (flat === undefined)
        problems.push({ path: 'inputs[0].data', problem: `rows must each hold ${width} numbers` });
      else if (problems.length === 0 && flat.length !== rows * columns) {
        problems.push({
          path: 'inputs[0].data',
          problem: `must hold ${rows * columns} numbers (shape ${rows}×${columns})`,
        });
      }
      const unknownOutput = request.outputs?.findIndex((o) => o.name !== OUTPUT_NAME) ?? -1;
      if (unknownOutput >= 0)
        problems.push({ path: `outputs[${unknownOutput}].name`, problem: `must be "${OUTPUT_NAME}"` });
      if (problems.length > 0 || flat === undefined) {
        throw new ScoringError(
          'INVALID_REQUEST',
          `Invalid inference request: ${problems[0].path} ${problems[0].problem}.`,
          problems,
        );
      }
      const { model: used, probabilities } = await service.infer(flat, rows);
      res.json({
        model_name: used.name,
        model_version: String(used.version),
        ...(request.id !== undefined ? { id: request.id } : {}),
        outputs: [{ name: OUTPUT_NAME, datatype: 'FP32', shape: [rows, 1], data: Array.from(probabilities) }],
      });
    });
  }
  return router;
}

/** Row-major Float32 data from flat or nested JSON arrays; undefined when a nested row has the wrong width. */
function flatten(data: number[] | number[][], width: number): Float32Array | undefined {
  if (data.length === 0 || typeof data[0] === 'number') return Float32Array.from(data as number[]);
  const rows = data as number[][];
  const out = new Float32Array(rows.length * width);
  for (let r = 0; r < rows.length; r++) {
    if (rows[r].length !== width) return undefined;
    out.set(rows[r], r * width);
  }
  return out;
}
