import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { inflateSync } from 'node:zlib';
import {
  buildEvaluationReport,
  compareToBaseline,
  baselineProfile,
  promotionGate,
  renderMarkdown,
  reportToJson,
  syntheticPredictions,
  type EvaluationReport,
} from '@fraudops/evaluation';
import { renderHtml } from './index.js';

const run = promisify(execFile);
const CHROMIUM = process.env['FRAUDOPS_CHROMIUM'] ?? '/usr/bin/chromium';

const data = syntheticPredictions({ rows: 20_000, seed: 21, positiveRate: 0.01, levels: 0, cards: 2000, days: 7 });
const half = 10_000;

function buildReport(): EvaluationReport {
  const profile = baselineProfile({
    score: data.scores.subarray(0, half),
    features: { amount: (data.amounts as Float64Array).subarray(0, half) },
  });
  const gate = promotionGate(
    {
      labels: data.labels,
      cardIds: data.cardIds,
      days: data.days,
      champion: data.scores.map((s) => s * 0.9),
      challenger: data.scores,
    },
    undefined,
    { bootstrap: { resamples: 50 } },
  );
  return buildEvaluationReport(data, {
    title: 'Synthetic model',
    source: 'models:/fraud-detector@challenger',
    thresholdPolicy: 'budget:50',
    bootstrap: { resamples: 100 },
    drift: compareToBaseline(profile, {
      score: data.scores.subarray(half),
      features: { amount: (data.amounts as Float64Array).subarray(half) },
    }),
    gate,
    generatedAt: new Date('2026-01-02T03:04:05Z'),
  });
}

/** Decodes an 8-bit RGB(A) PNG (what Chromium writes) into rows of pixels. */
function decodePng(file: Buffer): { width: number; height: number; channels: number; pixels: Buffer } {
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const data: Buffer[] = [];
  while (offset < file.length) {
    const length = file.readUInt32BE(offset);
    const type = file.toString('ascii', offset + 4, offset + 8);
    const body = file.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      expect(body[8]).toBe(8); // bit depth
      channels = body[9] === 6 ? 4 : 3;
    } else if (type === 'IDAT') data.push(body);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(data));
  const stride = width * channels;
  const pixels = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const left = x >= channels ? pixels[y * stride + x - channels] : 0;
      const up = y > 0 ? pixels[(y - 1) * stride + x] : 0;
      const upLeft = y > 0 && x >= channels ? pixels[(y - 1) * stride + x - channels] : 0;
      let value = line[x];
      if (filter === 1) value += left;
      else if (filter === 2) value += up;
      else if (filter === 3) value += (left + up) >> 1;
      else if (filter === 4) {
        const p = left + up - upLeft;
        const [pa, pb, pc] = [Math.abs(p - left), Math.abs(p - up), Math.abs(p - upLeft)];
        value += pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft;
      }
      pixels[y * stride + x] = value & 0xff;
    }
  }
  return { width, height, channels, pixels };
}

function countColour(png: ReturnType<typeof decodePng>, [r, g, b]: [number, number, number]): number {
  let count = 0;
  for (let i = 0; i < png.pixels.length; i += png.channels) {
    if (png.pixels[i] === r && png.pixels[i + 1] === g && png.pixels[i + 2] === b) count++;
  }
  return count;
}

describe('evaluation reports', () => {
  const report = buildReport();

  it('JSON carries the metrics by contract name, the threshold, curves, per-day figures, gate and drift', () => {
    const parsed = JSON.parse(reportToJson(report)) as EvaluationReport;
    expect(parsed.kind).toBe('fraudops-evaluation-report');
    expect(Object.keys(parsed.metrics)).toEqual([
      'auc_roc',
      'average_precision',
      'precision_at_100',
      'card_precision_at_100',
      'brier',
      'log_loss',
      'ece',
    ]);
    expect(parsed.threshold).toMatchObject({ rule: 'budget:50', days: 7 });
    expect(parsed.threshold.alerts).toBeLessThanOrEqual(350);
    expect(parsed.daily).toHaveLength(7);
    expect(parsed.daily?.reduce((sum, day) => sum + day.alerts, 0)).toBe(parsed.threshold.alerts);
    expect(parsed.curves.roc.fpr.length).toBeLessThanOrEqual(700);
    expect(parsed.curves.roc.fpr[0]).toBe(0);
    expect(parsed.curves.roc.tpr[parsed.curves.roc.tpr.length - 1]).toBe(1);
    expect(parsed.curves.cost?.threshold.length).toBeGreaterThan(10);
    expect(parsed.gate?.rules).toHaveLength(3);
    expect(parsed.drift?.features['amount'].level).toBe('stable');
  });

  it('Markdown is a pull-request comment with the gate, metrics, threshold and drift', () => {
    const markdown = renderMarkdown(report);
    expect(markdown).toContain('## Synthetic model');
    expect(markdown).toContain('`models:/fraud-detector@challenger` — 20,000 rows');
    expect(markdown).toMatch(/### Promotion gate: (✅ pass|❌ fail)/);
    expect(markdown).toMatch(/\| `average_precision` \| 0\.\d+ \| 0\.\d+ – 0\.\d+ \| cards \(100\) \|/);
    expect(markdown).toContain('Alert when score ≥ **');
    expect(markdown).toContain('| score | ');
  });

  it('HTML is one offline page: six charts as inline SVG, no script, no external resource', async () => {
    const html = await renderHtml(report);
    const figures = html.match(/<figure id="chart-([a-z-]+)"[^>]*><svg/g) ?? [];
    expect(figures.map((figure) => /chart-([a-z-]+)/.exec(figure)?.[1])).toEqual([
      'precision-recall',
      'roc',
      'reliability',
      'score-distribution',
      'cost',
      'daily',
    ]);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?(https?:|\/\/)/i);
    expect(html).not.toMatch(/@import|url\(/);
  });

  it('renders in headless Chromium and the screenshot shows the charts', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'evaluation-report-'));
    try {
      const page = join(directory, 'report.html');
      const screenshot = join(directory, 'report.png');
      writeFileSync(page, await renderHtml(report));
      await run(
        CHROMIUM,
        [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
          `--user-data-dir=${join(directory, 'profile')}`,
          '--hide-scrollbars',
          '--window-size=1280,2600',
          `--screenshot=${screenshot}`,
          `file://${page}`,
        ],
        { timeout: 90_000 },
      );
      const png = decodePng(readFileSync(screenshot));
      expect([png.width, png.height]).toEqual([1280, 2600]);
      // the charts' own colours, drawn solid: model lines, fraud and genuine bars of the daily chart
      expect(countColour(png, [0x1b, 0x4f, 0x72])).toBeGreaterThan(300);
      expect(countColour(png, [0xc0, 0x39, 0x2b])).toBeGreaterThan(1000);
      expect(countColour(png, [0x2c, 0x7f, 0xb8])).toBeGreaterThan(1000);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  }, 120_000);
});
