/**
 * Volume-based procurement progress as horizontal bars (rule O5), drawn as inline SVG: one bar per
 * product line (or per member), filled to purchased ÷ agreed on a 0–100 % scale, a vertical marker
 * at the pro-rata point of the contract year (序时进度), bars behind it red and bars at or past it
 * green. More than 100 % fills the bar and shows an arrow at its end; a line without an agreed
 * volume shows an empty dashed track. Labels too long for their column are cut with "…" and the
 * whole text is in the bar's `<title>` (a tooltip, and what the table beside it repeats).
 *
 * The SVG scales with its container (viewBox); below ~560 px wide it switches to a narrow layout
 * whose labels sit above the bars, so that text stays readable on a phone. Many bars are paged.
 */
import { useEffect, useRef, useState } from 'react';
import { Pagination } from 'antd';
import { useTranslation } from 'react-i18next';
import { fractionOf, packs, percent } from '../api/vbp';

export interface VbpBar {
  key: string;
  /** The product (`阿托伐他汀 20mg`) or member name. */
  label: string;
  agreed: number;
  purchased: number;
  /** purchased ÷ agreed, a decimal string ("0.4027"). */
  progress: string;
  /** Behind the pro-rata point (from the server, O5). */
  behind: boolean;
  /** The pack unit (盒), shown after the counts. */
  unit?: string;
  /** Packs short of the pro-rata point. */
  short?: number;
}

export type VbpChartLayout = 'auto' | 'wide' | 'narrow';

export interface VbpChartProps {
  bars: VbpBar[];
  /** The pro-rata point of the contract year, a decimal string ("0.6"). */
  proRata: string;
  /** Bars per page (the rest are paged). */
  pageSize?: number;
  layout?: VbpChartLayout;
  'data-testid'?: string;
}

export const VBP_COLORS = {
  behind: '#c0392b',
  onTrack: '#3b8c5a',
  none: '#bfbfbf',
  track: '#edf0f2',
  marker: '#123c4c',
  text: '#1f1f1f',
  muted: '#7a7a7a',
  grid: '#d9dee2',
} as const;

interface Geometry {
  width: number;
  top: number;
  row: number;
  bottom: number;
  trackX: number;
  trackW: number;
  barY: number;
  barH: number;
  labelW: number;
  valueX: number;
  ticks: number[];
}

/**
 * The narrow layout drawn at the container's own width (a unit is a CSS pixel), so that its 13 px
 * text stays 13 px on a phone instead of being scaled down with the viewBox.
 */
export function narrowGeometry(containerWidth: number): Geometry {
  const width = Math.round(Math.min(Math.max(containerWidth, 240), 560));
  return { width, top: 26, row: 52, bottom: 22, trackX: 0, trackW: width - 10, barY: 21, barH: 12, labelW: width - 64, valueX: width, ticks: [0, 0.5, 1] };
}

/** The two layouts, in viewBox units (a unit is about a CSS pixel at their design width). */
export const VBP_GEOMETRY: Record<'wide' | 'narrow', Geometry> = {
  wide: { width: 960, top: 26, row: 36, bottom: 22, trackX: 244, trackW: 540, barY: 11, barH: 14, labelW: 236, valueX: 800, ticks: [0, 0.25, 0.5, 0.75, 1] },
  narrow: narrowGeometry(360),
};

/** Below this container width (CSS px) the narrow layout is used. */
const NARROW_BELOW = 560;

/** A text's width in em, roughly: CJK and full-width characters 1 em, the rest about half. */
export function textEm(s: string): number {
  let w = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    w += c >= 0x2e80 || (c >= 0xff00 && c <= 0xffef) ? 1 : /[A-Z0-9mw%]/.test(ch) ? 0.62 : 0.5;
  }
  return w;
}

/** The text cut to fit `width` units at `fontSize`, ending in "…" when cut. */
export function fitText(s: string, width: number, fontSize: number): string {
  const max = width / fontSize;
  if (textEm(s) <= max) return s;
  let out = '';
  for (const ch of s) {
    if (textEm(out + ch) + 1 > max) break;
    out += ch;
  }
  return `${out.trimEnd()}…`;
}

function useContainerWidth(): [React.RefObject<HTMLDivElement | null>, number] {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    setWidth(el.getBoundingClientRect().width);
    if (typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver((entries) => {
      const w = entries[0]?.contentRect.width;
      if (w) setWidth(w);
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, width];
}

function Swatch({ color, dashed }: { color: string; dashed?: boolean }) {
  return (
    <span
      aria-hidden
      style={{
        display: 'inline-block',
        width: 14,
        height: 10,
        marginInlineEnd: 6,
        verticalAlign: 'baseline',
        background: dashed ? 'transparent' : color,
        border: dashed ? `1px dashed ${color}` : undefined,
        borderRadius: 2,
      }}
    />
  );
}

export default function VbpChart({ bars, proRata, pageSize = 15, layout = 'auto', 'data-testid': testId = 'vbp-chart' }: VbpChartProps) {
  const { t } = useTranslation();
  const k = (key: string, o?: Record<string, unknown>) => t(`procurement.vbp.chart.${key}`, o);
  const [ref, measured] = useContainerWidth();
  // The page is kept for these bars; other bars (a filter, another order) start on page 1.
  const sig = bars.map((b) => b.key).join('|');
  const [paged, setPaged] = useState({ sig, page: 1 });
  const page = paged.sig === sig ? paged.page : 1;
  const setPage = (p: number) => setPaged({ sig, page: p });
  const mode: 'wide' | 'narrow' = layout === 'auto' ? (measured > 0 && measured < NARROW_BELOW ? 'narrow' : 'wide') : layout;
  const g = mode === 'narrow' && measured > 0 ? narrowGeometry(measured) : VBP_GEOMETRY[mode];

  const pages = Math.max(1, Math.ceil(bars.length / pageSize));
  const current = Math.min(page, pages);
  const shown = bars.slice((current - 1) * pageSize, current * pageSize);
  const pr = fractionOf(proRata);
  // As the page says it ("合同年度已过 40.27%"): the pro-rata point to two places.
  const prText = percent(proRata, 2);
  const height = g.top + Math.max(shown.length, 1) * g.row + g.bottom;
  const xOf = (f: number) => g.trackX + Math.min(Math.max(f, 0), 1) * g.trackW;
  const markerX = xOf(pr);
  const behindCount = bars.filter((b) => b.behind).length;
  const summary = k('aria', { count: bars.length, proRata: prText, behind: behindCount });

  const bar = (b: VbpBar, i: number) => {
    const y = g.top + i * g.row;
    const none = b.agreed <= 0;
    const f = none ? 0 : fractionOf(b.progress);
    const over = !none && f > 1;
    const color = none ? VBP_COLORS.none : b.behind ? VBP_COLORS.behind : VBP_COLORS.onTrack;
    const unit = b.unit ?? '';
    const progressText = none ? '—' : percent(b.progress, 1);
    const title = none
      ? k('barNoAgreed', { label: b.label, purchased: packs(b.purchased), unit })
      : k('barTitle', { label: b.label, purchased: packs(b.purchased), agreed: packs(b.agreed), unit, progress: percent(b.progress, 1) }) +
        (b.behind
          ? b.short != null
            ? k('barBehind', { proRata: prText, short: packs(b.short), unit })
            : k('barBehindOnly', { proRata: prText })
          : k('barOnTrack', { proRata: prText }));
    const counts = none
      ? b.purchased > 0
        ? `${k('noAgreed')} · ${packs(b.purchased)}${unit}`
        : k('noAgreed')
      : k('counts', { purchased: packs(b.purchased), agreed: packs(b.agreed), unit });
    const status = none ? '' : b.behind ? (b.short != null ? k('short', { short: packs(b.short) }) : k('behind')) : over ? k('over') : k('onTrack');
    const fillW = f >= 1 ? g.trackW : Math.min(f, 1) * g.trackW;
    const barY = y + g.barY;
    return (
      <g
        key={b.key}
        data-testid="vbp-bar"
        data-key={b.key}
        data-behind={none ? 'none' : String(b.behind)}
        data-progress={b.progress}
        data-over={String(over)}
      >
        <title>{title}</title>
        {mode === 'wide' ? (
          <>
            <text x={0} y={y + 15} fontSize={13} fill={VBP_COLORS.text} data-testid="vbp-bar-label">
              {fitText(b.label, g.labelW, 13)}
            </text>
            <text x={0} y={y + 31} fontSize={11} fill={VBP_COLORS.muted} data-testid="vbp-bar-counts">
              {fitText(counts, g.labelW, 11)}
            </text>
            <text x={g.valueX} y={y + 16} fontSize={13} fontWeight={600} fill={color} data-testid="vbp-bar-value">
              {progressText}
            </text>
            <text x={g.valueX} y={y + 31} fontSize={11} fill={b.behind ? VBP_COLORS.behind : VBP_COLORS.muted}>
              {fitText(status, g.width - g.valueX, 11)}
            </text>
          </>
        ) : (
          <>
            <text x={0} y={y + 15} fontSize={13} fill={VBP_COLORS.text} data-testid="vbp-bar-label">
              {fitText(b.label, g.labelW - 8, 13)}
            </text>
            <text x={g.width} y={y + 15} fontSize={13} fontWeight={600} fill={color} textAnchor="end" data-testid="vbp-bar-value">
              {progressText}
            </text>
            <text x={0} y={y + 47} fontSize={11} fill={b.behind ? VBP_COLORS.behind : VBP_COLORS.muted} data-testid="vbp-bar-counts">
              {fitText(status ? `${counts} · ${status}` : counts, g.width, 11)}
            </text>
          </>
        )}
        <rect
          data-testid="vbp-bar-track"
          x={g.trackX}
          y={barY}
          width={g.trackW}
          height={g.barH}
          rx={2}
          fill={none ? '#ffffff' : VBP_COLORS.track}
          stroke={none ? VBP_COLORS.none : undefined}
          strokeDasharray={none ? '4 3' : undefined}
        />
        <rect data-testid="vbp-bar-fill" x={g.trackX} y={barY} width={fillW} height={g.barH} rx={2} fill={color} />
        {over ? (
          <polygon
            data-testid="vbp-overflow"
            points={`${g.trackX + g.trackW + 1},${barY - 2} ${g.trackX + g.trackW + 9},${barY + g.barH / 2} ${g.trackX + g.trackW + 1},${barY + g.barH + 2}`}
            fill={color}
          />
        ) : null}
      </g>
    );
  };

  const rowsBottom = g.top + Math.max(shown.length, 1) * g.row;
  const markerAnchor = pr < 0.2 ? 'start' : pr > 0.8 ? 'end' : 'middle';

  return (
    <div ref={ref} data-testid={`${testId}-box`}>
      <div
        className="muted"
        style={{ display: 'flex', flexWrap: 'wrap', gap: '4px 16px', fontSize: 12, marginBottom: 6 }}
        data-testid="vbp-legend"
      >
        <span>
          <Swatch color={VBP_COLORS.behind} />
          {k('legendBehind')}
        </span>
        <span>
          <Swatch color={VBP_COLORS.onTrack} />
          {k('legendOnTrack')}
        </span>
        <span>
          <Swatch color={VBP_COLORS.none} dashed />
          {k('legendNone')}
        </span>
        <span>
          <span aria-hidden style={{ display: 'inline-block', width: 0, height: 12, borderInlineStart: `2px dashed ${VBP_COLORS.marker}`, marginInlineEnd: 6, verticalAlign: 'middle' }} />
          {k('legendMarker')} {prText}
        </span>
      </div>
      <svg
        role="img"
        aria-label={summary}
        viewBox={`0 0 ${g.width} ${height}`}
        preserveAspectRatio="xMinYMin meet"
        style={{ width: '100%', height: 'auto', display: 'block', maxWidth: mode === 'wide' ? 1280 : undefined, fontFamily: 'inherit' }}
        data-testid={testId}
        data-layout={mode}
        data-pro-rata={proRata}
      >
        <title>{summary}</title>
        {/* The scale: grid lines at the ticks, their labels below. */}
        <g aria-hidden data-testid="vbp-axis">
          {g.ticks.map((tk) => (
            <g key={tk}>
              <line x1={xOf(tk)} x2={xOf(tk)} y1={g.top - 2} y2={rowsBottom} stroke={VBP_COLORS.grid} strokeWidth={1} />
              <text
                x={xOf(tk)}
                y={rowsBottom + 15}
                fontSize={11}
                fill={VBP_COLORS.muted}
                textAnchor={tk === 0 && g.trackX === 0 ? 'start' : tk === 1 && mode === 'narrow' ? 'end' : 'middle'}
              >
                {`${Math.round(tk * 100)}%`}
              </text>
            </g>
          ))}
        </g>
        {shown.length ? (
          shown.map(bar)
        ) : (
          <text x={g.width / 2} y={g.top + g.row / 2 + 4} fontSize={13} fill={VBP_COLORS.muted} textAnchor="middle">
            {k('empty')}
          </text>
        )}
        <g data-testid="vbp-marker" data-x={markerX}>
          <title>{k('proRata', { value: prText })}</title>
          {mode === 'wide' ? (
            <line x1={markerX} x2={markerX} y1={g.top - 6} y2={rowsBottom} stroke={VBP_COLORS.marker} strokeWidth={2} strokeDasharray="5 3" />
          ) : (
            // Narrow: the texts run across the whole width, so the marker crosses the bars only.
            <path
              d={[`M${markerX},${g.top - 6}V${g.top + g.barY - 3}`, ...shown.map((_, i) => `M${markerX},${g.top + i * g.row + g.barY - 4}v${g.barH + 8}`)].join('')}
              stroke={VBP_COLORS.marker}
              strokeWidth={2}
              fill="none"
            />
          )}
          <text x={markerX} y={g.top - 10} fontSize={12} fontWeight={600} fill={VBP_COLORS.marker} textAnchor={markerAnchor} data-testid="vbp-marker-label">
            {k('proRata', { value: prText })}
          </text>
        </g>
      </svg>
      {pages > 1 ? (
        <Pagination
          size="small"
          style={{ marginTop: 8, justifyContent: 'flex-end' }}
          current={current}
          pageSize={pageSize}
          total={bars.length}
          showSizeChanger={false}
          onChange={setPage}
          showTotal={(total, [from, to]) => k('pageInfo', { from, to, total })}
          data-testid="vbp-chart-pages"
        />
      ) : null}
    </div>
  );
}
