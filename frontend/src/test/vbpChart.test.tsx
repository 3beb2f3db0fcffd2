import { beforeAll, describe, expect, it } from 'vitest';
import { render, screen, within } from '@testing-library/react';
import i18n from '../i18n';
import VbpChart, { VBP_COLORS, VBP_GEOMETRY, fitText, narrowGeometry, type VbpBar } from '../components/VbpChart';
import { behindProRata, percent, proRataTarget, ratio, shortOfProRata, sumFigures } from '../api/vbp';

beforeAll(async () => {
  await i18n.changeLanguage('zh-CN');
});

const bar = (key: string, agreed: number, purchased: number, progress: string, behind: boolean, label = `品种${key}`): VbpBar => ({
  key,
  label,
  agreed,
  purchased,
  progress,
  behind,
  unit: '盒',
});

const num = (el: Element, attr: string) => Number(el.getAttribute(attr));

function bars() {
  return screen.getAllByTestId('vbp-bar');
}

function fillOf(key: string) {
  const g = bars().find((b) => b.getAttribute('data-key') === key)!;
  return {
    g,
    fill: within(g as HTMLElement).getByTestId('vbp-bar-fill'),
    track: within(g as HTMLElement).getByTestId('vbp-bar-track'),
    value: within(g as HTMLElement).getByTestId('vbp-bar-value'),
  };
}

describe('VbpChart', () => {
  const wide = VBP_GEOMETRY.wide;

  it('fills each bar in proportion to purchased ÷ agreed', () => {
    render(
      <VbpChart
        layout="wide"
        proRata="0.4027"
        bars={[bar('a', 100, 25, '0.25', true), bar('b', 200, 100, '0.5', false), bar('c', 1000, 1, '0.001', true)]}
      />,
    );
    for (const [key, f] of [
      ['a', 0.25],
      ['b', 0.5],
      ['c', 0.001],
    ] as const) {
      const { fill, track } = fillOf(key);
      expect(num(track, 'width')).toBe(wide.trackW);
      expect(num(fill, 'x')).toBe(num(track, 'x'));
      expect(num(fill, 'width') / num(track, 'width')).toBeCloseTo(f, 6);
    }
    // The widths compare between bars as the figures do.
    expect(num(fillOf('b').fill, 'width')).toBeCloseTo(2 * num(fillOf('a').fill, 'width'), 6);
    expect(fillOf('a').value).toHaveTextContent('25.0%');
  });

  it('puts the pro-rata marker at days elapsed ÷ days of the contract year along the scale', () => {
    render(<VbpChart layout="wide" proRata="0.4027" bars={[bar('a', 100, 25, '0.25', true)]} />);
    const marker = screen.getByTestId('vbp-marker');
    const x = num(marker, 'data-x');
    expect(x).toBeCloseTo(wide.trackX + 0.4027 * wide.trackW, 6);
    const line = marker.querySelector('line')!;
    expect(num(line, 'x1')).toBeCloseTo(x, 6);
    expect(screen.getByTestId('vbp-marker-label')).toHaveTextContent('序时进度 40.27%');
    // A bar ending left of the marker is behind, one ending right of it is not.
    const { fill } = fillOf('a');
    expect(num(fill, 'x') + num(fill, 'width')).toBeLessThan(x);
  });

  it('colours bars behind the pro-rata point red and bars on track green, and says so', () => {
    render(<VbpChart layout="wide" proRata="0.6" bars={[bar('late', 100, 10, '0.1', true), bar('ok', 100, 70, '0.7', false)]} />);
    const late = fillOf('late');
    const ok = fillOf('ok');
    expect(late.fill).toHaveAttribute('fill', VBP_COLORS.behind);
    expect(late.g).toHaveAttribute('data-behind', 'true');
    expect(ok.fill).toHaveAttribute('fill', VBP_COLORS.onTrack);
    expect(ok.g).toHaveAttribute('data-behind', 'false');
    // Not by colour alone: the words, and each bar's title.
    expect(late.g.textContent).toContain('落后');
    expect(late.g.querySelector('title')!.textContent).toContain('落后于序时进度 60.00%');
    expect(ok.g.querySelector('title')!.textContent).toContain('达到序时进度 60.00%');
  });

  it('draws a line without an agreed volume as an empty dashed track, neither behind nor on track', () => {
    render(<VbpChart layout="wide" proRata="0.5" bars={[bar('z', 0, 0, '0', false), bar('zb', 0, 5, '0', false)]} />);
    const z = fillOf('z');
    expect(num(z.fill, 'width')).toBe(0);
    expect(z.track).toHaveAttribute('stroke-dasharray');
    expect(z.g).toHaveAttribute('data-behind', 'none');
    expect(z.value).toHaveTextContent('—');
    expect(z.g.textContent).toContain('无约定量');
    const zb = fillOf('zb');
    expect(num(zb.fill, 'width')).toBe(0);
    expect(zb.g.querySelector('title')!.textContent).toContain('无约定量，已采购 5盒');
    expect(screen.queryByTestId('vbp-overflow')).toBeNull();
  });

  it('fills a bar past 100 % to the end of the scale, marks the overflow and gives the true figure', () => {
    render(<VbpChart layout="wide" proRata="0.5" bars={[bar('over', 100, 135, '1.35', false), bar('full', 100, 100, '1', false)]} />);
    const over = fillOf('over');
    expect(num(over.fill, 'width')).toBe(num(over.track, 'width'));
    expect(over.g).toHaveAttribute('data-over', 'true');
    expect(within(over.g as HTMLElement).getByTestId('vbp-overflow')).toBeInTheDocument();
    expect(over.value).toHaveTextContent('135.0%');
    expect(over.g.textContent).toContain('超过约定量');
    const full = fillOf('full');
    expect(num(full.fill, 'width')).toBe(num(full.track, 'width'));
    expect(full.g).toHaveAttribute('data-over', 'false');
    expect(within(full.g as HTMLElement).queryByTestId('vbp-overflow')).toBeNull();
  });

  it('cuts long product names with "…" and keeps the whole name in the title', () => {
    const long = '精蛋白生物合成人胰岛素注射液(预混30R) 100IU/ml 3ml 笔芯 诺和诺德(中国)制药有限公司';
    render(<VbpChart layout="wide" proRata="0.5" bars={[bar('l', 100, 50, '0.5', false, long)]} />);
    const { g } = fillOf('l');
    const label = within(g as HTMLElement).getByTestId('vbp-bar-label');
    expect(label.textContent!.endsWith('…')).toBe(true);
    expect(label.textContent!.length).toBeLessThan(long.length);
    expect(g.querySelector('title')!.textContent).toContain(long);
    expect(fitText('阿托伐他汀 20mg', wide.labelW, 13)).toBe('阿托伐他汀 20mg');
  });

  it('is an image with a summary for screen readers', () => {
    render(<VbpChart layout="wide" proRata="0.6" bars={[bar('a', 100, 10, '0.1', true), bar('b', 100, 70, '0.7', false)]} />);
    const svg = screen.getByTestId('vbp-chart');
    expect(svg).toHaveAttribute('aria-label', '带量采购完成率图：2 项，序时进度 60.00%，1 项落后');
    expect(svg.querySelector(':scope > title')!.textContent).toBe(svg.getAttribute('aria-label'));
    expect(svg.getAttribute('viewBox')).toMatch(/^0 0 960 \d+$/);
    for (const g of bars()) expect(g.querySelector('title')).not.toBeNull();
  });

  it('pages many lines', () => {
    const many = Array.from({ length: 40 }, (_, i) => bar(String(i), 100, i, String(i / 100), i < 30));
    render(<VbpChart layout="wide" proRata="0.3" pageSize={15} bars={many} />);
    expect(bars()).toHaveLength(15);
    expect(screen.getByTestId('vbp-chart-pages')).toBeInTheDocument();
    // The summary counts every bar, not just the page.
    expect(screen.getByTestId('vbp-chart').getAttribute('aria-label')).toContain('40 项');
  });

  it('on a narrow screen draws at the container width, the bar spanning it', () => {
    render(<VbpChart layout="narrow" proRata="0.5" bars={[bar('a', 100, 25, '0.25', true)]} />);
    const svg = screen.getByTestId('vbp-chart');
    expect(svg).toHaveAttribute('data-layout', 'narrow');
    const g = narrowGeometry(360);
    const { fill, track } = fillOf('a');
    expect(num(track, 'width')).toBe(g.trackW);
    expect(num(fill, 'width')).toBeCloseTo(0.25 * g.trackW, 6);
    expect(num(screen.getByTestId('vbp-marker'), 'data-x')).toBeCloseTo(0.5 * g.trackW, 6);
    expect(narrowGeometry(300).width).toBe(300);
    expect(narrowGeometry(100).width).toBe(240);
  });
});

describe('VBP figures', () => {
  it('shows fractions as percentages from the decimal string, half up', () => {
    expect(percent('0.4027', 2)).toBe('40.27%');
    expect(percent('0.4027')).toBe('40.3%');
    expect(percent('0.40249')).toBe('40.2%');
    expect(percent('0.00049')).toBe('0.0%');
    expect(percent('0.0005')).toBe('0.1%');
    expect(percent('0')).toBe('0.0%');
    expect(percent('1.35')).toBe('135.0%');
    expect(percent('0.6', 2)).toBe('60.00%');
    expect(percent('1')).toBe('100.0%');
    expect(percent('')).toBe('');
  });

  it('behind exactly as O5 says, in integers', () => {
    const c = { elapsed_days: 219, year_days: 365 }; // 0.6
    expect(behindProRata(59, 100, c)).toBe(true);
    expect(behindProRata(60, 100, c)).toBe(false);
    expect(behindProRata(0, 0, c)).toBe(false);
    expect(proRataTarget(100, 219, 365)).toBe(60);
    expect(proRataTarget(1872, 219, 365)).toBe(1124);
    expect(shortOfProRata({ agreed: 1872, purchased: 3 }, c)).toBe(1121);
    expect(shortOfProRata({ agreed: 100, purchased: 90 }, c)).toBe(0);
    // The target is the least purchase that is not behind.
    for (const agreed of [1, 7, 99, 1872, 3384]) {
      const target = proRataTarget(agreed, c.elapsed_days, c.year_days);
      expect(behindProRata(target, agreed, c)).toBe(false);
      expect(behindProRata(target - 1, agreed, c)).toBe(true);
    }
  });

  it('sums a member across products, rounding the progress to four places', () => {
    const c = { elapsed_days: 100, year_days: 365 };
    expect(sumFigures([{ agreed: 52, purchased: 3 }, { agreed: 41, purchased: 1 }, { agreed: 98, purchased: 11 }], c)).toEqual({
      agreed: 191,
      purchased: 15,
      progress: '0.0785',
      behind: true,
    });
    expect(ratio(2, 3)).toBe('0.6667');
    expect(ratio(3, 2)).toBe('1.5');
    expect(ratio(5, 0)).toBe('0');
  });
});
