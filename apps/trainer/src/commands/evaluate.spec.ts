import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { syntheticPredictions } from '@fraudops/evaluation';
import { buildProgram, runCli } from '../cli/program.js';
import { createOutput } from '@fraudops/cli';
import { runEvaluate, type EvaluateOptions } from './evaluate.js';

function sink(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

let directory: string;
let predictions: string;

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'trainer-evaluate-'));
  const data = syntheticPredictions({ rows: 4000, seed: 9, positiveRate: 0.03, levels: 0, cards: 400, days: 4 });
  const lines = ['score,label,customer_id,day,amount'];
  for (let row = 0; row < data.scores.length; row++) {
    lines.push(
      `${data.scores[row]},${data.labels[row]},${data.cardIds?.[row]},2018-08-${String(8 + (data.days?.[row] ?? 0)).padStart(2, '0')},${data.amounts?.[row]}`,
    );
  }
  predictions = join(directory, 'predictions.csv');
  writeFileSync(predictions, `${lines.join('\n')}\n`);
});

afterAll(() => rmSync(directory, { recursive: true, force: true }));

function options(overrides: Partial<EvaluateOptions> = {}): EvaluateOptions {
  return {
    predictions,
    thresholdPolicy: 'budget:100',
    report: [],
    k: '100',
    resamples: '100',
    seed: '42',
    json: false,
    ...overrides,
  };
}

describe('fraudops-train evaluate', () => {
  it('--json prints the metrics by contract name with intervals and the budget threshold, and writes reports', async () => {
    const stdout = sink();
    const stderr = sink();
    const markdown = join(directory, 'report.md');
    const json = join(directory, 'report.json');
    await runEvaluate(
      options({ json: true, report: [markdown, json] }),
      createOutput(true, { stdout: stdout.stream, stderr: stderr.stream }),
    );
    const result = JSON.parse(stdout.text());
    expect(Object.keys(result.metrics)).toEqual([
      'auc_roc',
      'average_precision',
      'precision_at_100',
      'card_precision_at_100',
      'brier',
      'log_loss',
      'ece',
    ]);
    expect(result).toMatchObject({ rows: 4000, days: 4, cards: 400, reports: [markdown, json] });
    expect(result.metrics.auc_roc.ci).toMatchObject({ level: 0.95, method: 'bootstrap-cards', resamples: 100 });
    expect(result.threshold.rule).toBe('budget:100');
    expect(result.threshold.expectedAlertsPerDay).toBeLessThanOrEqual(100);
    expect(stderr.text()).toBe(''); // --json keeps stderr quiet too
    expect(readFileSync(markdown, 'utf8')).toContain('### Metrics');
    expect(JSON.parse(readFileSync(json, 'utf8')).daily).toHaveLength(4);
  });

  it('prints a human summary, and cost:5 prices missed frauds by their amounts', async () => {
    const stdout = sink();
    const stderr = sink();
    await runEvaluate(
      options({ thresholdPolicy: 'cost:5', resamples: '0' }),
      createOutput(false, { stdout: stdout.stream, stderr: stderr.stream }),
    );
    const text = stdout.text();
    expect(text).toMatch(/predictions\.csv: 4,000 rows, \d+ frauds, 4 days, 400 cards/);
    expect(text).toMatch(/ {2}average_precision +0\.\d{4}\n/);
    expect(text).toMatch(/threshold 0\.\d{4} \(cost:5\): [\d.]+ alerts\/day, .*expected cost [\d.]+\/day/);
    expect(text).toContain("each missed fraud's amount");
    expect(stderr.text()).toContain('4,000 rows; evaluating');
  });

  it('maps problems to exit codes with a message that names them', async () => {
    const cases: Array<[string[], number, RegExp]> = [
      [['evaluate', '--predictions', join(directory, 'missing.csv')], 4, /--predictions .*missing\.csv: no such file/],
      [
        ['evaluate', '--predictions', predictions, '--threshold-policy', 'budget'],
        2,
        /threshold policy "budget" is not recognised/,
      ],
      [
        ['evaluate', '--predictions', predictions, '--report', 'out.pdf'],
        2,
        /--report out\.pdf: the extension must be one of \.html, \.md, \.json/,
      ],
      [['evaluate', '--predictions', predictions, '--resamples', 'many'], 2, /--resamples must be an integer >= 0/],
    ];
    const badLabel = join(directory, 'bad-label.csv');
    writeFileSync(badLabel, 'score,label\n0.3,0\n0.8,yes\n');
    cases.push([
      ['evaluate', '--predictions', badLabel],
      6,
      /bad-label\.csv line 3, column label: "yes" is not a number/,
    ]);
    const oneClass = join(directory, 'one-class.csv');
    writeFileSync(oneClass, 'score,label\n0.3,0\n0.8,0\n');
    cases.push([['evaluate', '--predictions', oneClass], 6, /needs both classes but the labels have no fraud/]);
    for (const [argv, code, message] of cases) {
      const stderr = sink();
      expect(await runCli(argv, stderr.stream)).toBe(code);
      expect(stderr.text()).toMatch(message);
    }
  });

  it('--help teaches the file format, the policies and shows examples', async () => {
    const program = buildProgram();
    const evaluate = program.commands.find((command) => command.name() === 'evaluate');
    let help = '';
    evaluate?.configureOutput({ writeOut: (text) => (help += text) });
    await expect(program.parseAsync(['evaluate', '--help'], { from: 'user' })).rejects.toMatchObject({
      code: 'commander.helpDisplayed',
    });
    expect(help).toContain('--predictions <file>');
    expect(help).toContain('budget:<alerts per day>');
    expect(help).toContain(
      '$ fraudops-train evaluate --predictions preds.csv --threshold-policy cost:5 --report report.html',
    );
  });
});
