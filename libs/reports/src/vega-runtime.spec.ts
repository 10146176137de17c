import { renderSvg } from './vega-runtime.js';

describe('renderSvg', () => {
  it('renders a Vega-Lite line chart to SVG in Node', async () => {
    const svg = await renderSvg({
      title: 'test',
      data: {
        values: [
          { x: 0, y: 0 },
          { x: 1, y: 1 },
        ],
      },
      mark: 'line',
      encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
    });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('<path');
  });
});
