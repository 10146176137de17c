import { access, open, readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { DuckDbSqlEngine, fileFormatOf } from '@fraudops/features-sql';
import {
  classifierFromOnnx,
  explainModel,
  importXgboostJson,
  topContributions,
  type ClassifierModel,
  type FeatureContributions,
  type FeatureMatrix,
} from '@fraudops/modeling';
import { openRegistry, type ModelRegistry } from '@fraudops/registry';
import { CliError, ExitCode, toCliError, type CliContext, type Output } from '@fraudops/cli';
import { TRAINER_ERROR_ROOTS } from '../cli/error-roots.js';

export interface ExplainOptions {
  model: string;
  features: string;
  out?: string;
  top?: string;
  registry: string;
  json: boolean;
}

const HELP_AFTER = `
Reason codes on the margin (log-odds) scale: for every row, bias + the sum of its feature columns is the
model's margin, and sigmoid(margin) its fraud probability. Tree models get exact TreeSHAP values (what
XGBoost's pred_contribs computes); logistic regression gets coef × (x − mean) on the standardised scale.

--model is a registry URI (models:/<name>@<alias>, models:/<name>/<version>, resolved in --registry) or an
XGBoost JSON file (booster.save_model("model.json")). --features is a .csv, .csv.gz or .parquet file with
one column per model feature, named as in the feature spec (the model's feature_names); other columns are
ignored and empty cells are missing values (they follow each split's default direction).

--out writes one row per input row, in input order: one column per feature, then bias.
--top k prints each row's k largest reasons (by |contribution|) instead of, or besides, the file.

Examples:
  $ fraudops-train features --data tx.csv --out features.csv
  $ fraudops-train explain --model models:/fraud-detector@champion --features features.csv --out shap.csv
  $ fraudops-train explain --model model.json --features features.csv --top 3
  $ fraudops-train explain --model models:/fraud-detector/4 --features features.csv --top 3 --json | jq '.rows[0]'
  $ npm run train -- explain --model models:/fraud-detector@champion --features features.csv --out shap.csv`;

export interface ExplainResult {
  model: string;
  rows: number;
  features: string[];
  bias: number;
  out: string | null;
  /** With --top: each row's margin and largest reasons. */
  top: Array<{
    row: number;
    margin: number;
    reasons: Array<{ feature: string; value: number | null; contribution: number }>;
  }> | null;
}

/** `fraudops-train explain`: per-row feature contributions of a model on a feature file. */
export function registerExplain(program: Command, context: CliContext): void {
  program
    .command('explain')
    .description(
      'Explain a model on a feature file: exact TreeSHAP contributions per row and feature (+ bias), or the top reasons.',
    )
    .requiredOption(
      '--model <uri|file>',
      'models:/<name>@<alias> or models:/<name>/<version>, or an XGBoost JSON model file',
    )
    .requiredOption('--features <file>', 'feature file (.csv, .csv.gz, .parquet) with a column per model feature')
    .option('--out <file>', 'CSV to write: one row per input row, a column per feature, then bias')
    .option('--top <k>', "print each row's k largest reasons by |contribution|")
    .option(
      '--registry <uri>',
      'model registry for models:/ URIs: a directory or databricks-uc://<catalog>.<schema>?volume=<volume>',
      'models',
    )
    .option('--json', 'print the result as one JSON object on stdout', false)
    .addHelpText('after', HELP_AFTER)
    .action(async (options: ExplainOptions) => {
      await runExplain(options, context.output(options.json));
    });
}

/** Runs the command; separated from commander so tests call it with an output (and registry) of their own. */
export async function runExplain(
  options: ExplainOptions,
  output: Output,
  registry?: ModelRegistry,
): Promise<ExplainResult> {
  const top = options.top === undefined ? undefined : Number(options.top);
  if (top !== undefined && !(Number.isInteger(top) && top >= 1)) {
    throw new CliError(`--top must be an integer >= 1, got "${options.top}"`, ExitCode.usage);
  }
  if (options.out === undefined && top === undefined) {
    throw new CliError(
      'nothing to do: give --out <file> for the contributions, --top <k> for the reasons, or both',
      ExitCode.usage,
    );
  }
  if (options.out !== undefined && !/\.csv$/i.test(options.out)) {
    throw new CliError(`--out ${options.out}: the contributions file is CSV (.csv)`, ExitCode.usage);
  }
  let explained: { names: string[]; matrix: FeatureMatrix; read: Float64Array; contributions: FeatureContributions };
  try {
    output.status(`loading ${options.model}`);
    const { model, names } = await loadModel(options.model, () => registry ?? openRegistry(options.registry));
    output.status(`reading ${options.features}`);
    const { matrix, read } = await readFeatureMatrix(options.features, names);
    output.status(`explaining ${matrix.rows.toLocaleString('en-US')} rows`);
    const contributions = explainModel(model, matrix);
    if (options.out !== undefined) await writeContributionsCsv(options.out, names, contributions);
    explained = { names, matrix, read, contributions };
  } catch (error) {
    throw toCliError(error, TRAINER_ERROR_ROOTS);
  }
  const { names, matrix, read, contributions } = explained;
  const result: ExplainResult = {
    model: options.model,
    rows: matrix.rows,
    features: names,
    bias: contributions.bias,
    out: options.out ?? null,
    top: top === undefined ? null : topReasons(contributions, read, names, top),
  };
  output.result(result);
  output.line(
    `${options.model}: ${matrix.rows.toLocaleString('en-US')} rows explained, bias (expected margin) ${contributions.bias.toFixed(6)}`,
  );
  for (const row of result.top ?? []) {
    const reasons = row.reasons.map(
      (r) => `${r.feature}=${r.value === null ? 'missing' : r.value} ${signed(r.contribution)}`,
    );
    output.line(
      `  row ${row.row}  margin ${row.margin.toFixed(4)}  ${reasons.join(', ') || '(no feature moves the margin)'}`,
    );
  }
  if (options.out !== undefined) output.line(`wrote ${options.out}`);
  return result;
}

function signed(value: number): string {
  return `${value >= 0 ? '+' : ''}${value.toFixed(4)}`;
}

/** The model and its feature names, in input-column order. */
async function loadModel(
  source: string,
  registry: () => ModelRegistry,
): Promise<{ model: ClassifierModel; names: string[] }> {
  if (source.startsWith('models:/')) {
    const loaded = await registry().loadModel(source);
    const { model, featureNames } = classifierFromOnnx(loaded.onnx, `${loaded.uri} (model.onnx)`);
    return { model, names: featureNames ?? loaded.card.featureSpec.features };
  }
  let text: string;
  try {
    text = await readFile(source, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new CliError(
        `--model ${source}: no such file (give a models:/ URI or an XGBoost JSON file)`,
        ExitCode.notFound,
      );
    throw new CliError(`--model ${source}: cannot read it (${code ?? String(error)})`, ExitCode.unexpected);
  }
  const imported = importXgboostJson(text);
  // XGBoost names unnamed features f0, f1, … in its own output.
  const names = imported.featureNames ?? Array.from({ length: imported.model.featureCount }, (_, f) => `f${f}`);
  return { model: imported.model, names };
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * The named columns of a feature file as a float32 matrix in `names` order (what the model scores), and
 * the values as read (for printing); empty cells become NaN.
 */
async function readFeatureMatrix(
  path: string,
  names: string[],
): Promise<{ matrix: FeatureMatrix; read: Float64Array }> {
  let format: ReturnType<typeof fileFormatOf>;
  try {
    format = fileFormatOf(path);
  } catch {
    throw new CliError(`--features ${path}: the feature file must be .csv, .csv.gz or .parquet`, ExitCode.usage);
  }
  try {
    await access(path);
  } catch {
    throw new CliError(`--features ${path}: no such file`, ExitCode.notFound);
  }
  const literal = `'${path.replace(/'/g, "''")}'`;
  const reader = format === 'parquet' ? `read_parquet(${literal})` : `read_csv(${literal}, header = true)`;
  const engine = await DuckDbSqlEngine.open();
  try {
    const header = await engine.query(`SELECT * FROM ${reader} LIMIT 0`);
    const present = new Set(header.columnNames);
    const missing = names.filter((n) => !present.has(n));
    if (missing.length > 0) {
      throw new CliError(
        `--features ${path}: missing ${missing.length} of the model's ${names.length} feature columns: ${missing.join(', ')} (the file has ${header.columnNames.join(', ')})`,
        ExitCode.invalidData,
      );
    }
    let table;
    try {
      table = await engine.query(
        `SELECT ${names.map((n) => `CAST(${quoteIdentifier(n)} AS DOUBLE)`).join(', ')} FROM ${reader}`,
      );
    } catch (error) {
      throw new CliError(
        `--features ${path}: a feature column is not numeric (${(error as Error).message.split('\n')[0]})`,
        ExitCode.invalidData,
      );
    }
    const rows = table.rowCount;
    const cols = names.length;
    const read = new Float64Array(rows * cols);
    for (let f = 0; f < cols; f++) {
      const column = table.columns[f];
      for (let r = 0; r < rows; r++) {
        const v = column[r];
        read[r * cols + f] = v === null ? NaN : Number(v);
      }
    }
    return { matrix: { rows, cols, values: Float32Array.from(read) }, read };
  } finally {
    await engine.close();
  }
}

function csvField(name: string): string {
  return /[",\n\r]/.test(name) ? `"${name.replace(/"/g, '""')}"` : name;
}

/** Writes the contributions CSV in chunks: header = feature names + bias, numbers in shortest round-trip form. */
async function writeContributionsCsv(
  path: string,
  names: string[],
  contributions: FeatureContributions,
): Promise<void> {
  const { rows, featureCount, values, bias } = contributions;
  const file = await open(path, 'w');
  try {
    await file.write(`${[...names, 'bias'].map(csvField).join(',')}\n`);
    const biasText = String(bias);
    const chunk = 10_000;
    for (let start = 0; start < rows; start += chunk) {
      const lines: string[] = [];
      for (let r = start; r < Math.min(rows, start + chunk); r++) {
        const fields: string[] = [];
        for (let f = 0; f < featureCount; f++) fields.push(String(values[r * featureCount + f]));
        fields.push(biasText);
        lines.push(fields.join(','));
      }
      await file.write(`${lines.join('\n')}\n`);
    }
  } finally {
    await file.close();
  }
}

function topReasons(
  contributions: FeatureContributions,
  read: Float64Array,
  names: string[],
  k: number,
): NonNullable<ExplainResult['top']> {
  const result: NonNullable<ExplainResult['top']> = [];
  for (let r = 0; r < contributions.rows; r++) {
    let margin = contributions.bias;
    for (let f = 0; f < contributions.featureCount; f++)
      margin += contributions.values[r * contributions.featureCount + f];
    const reasons = topContributions(contributions, r, k).map(({ feature, contribution }) => {
      const value = read[r * contributions.featureCount + feature];
      return { feature: names[feature], value: Number.isNaN(value) ? null : value, contribution };
    });
    result.push({ row: r, margin, reasons });
  }
  return result;
}
