/**
 * One horizontal bar: the share (0..100) filled, the target as a dashed
 * vertical line with its label. Plain SVG: no chart library for three bars.
 */
export default function ShareBar({
  share,
  target,
  below,
  width = 520,
  height = 56,
  label,
}: {
  share: number;
  target: number;
  below: boolean;
  width?: number;
  height?: number;
  label?: string;
}) {
  const pad = { l: 4, r: 44, t: 16, b: 18 };
  const w = width - pad.l - pad.r;
  const barH = height - pad.t - pad.b;
  const clamp = (v: number) => Math.max(0, Math.min(100, Number.isFinite(v) ? v : 0));
  const x = (v: number) => pad.l + (clamp(v) / 100) * w;
  const fill = below ? '#d4380d' : '#3b8c5a';
  return (
    <svg
      viewBox={`0 0 ${width} ${height}`}
      width="100%"
      style={{ maxWidth: width, display: 'block' }}
      role="img"
      aria-label={label ?? `${share}% / ${target}%`}
      data-testid="share-bar"
    >
      <rect x={pad.l} y={pad.t} width={w} height={barH} rx={3} fill="#edf1f3" />
      <rect x={pad.l} y={pad.t} width={x(share) - pad.l} height={barH} rx={3} fill={fill} />
      {[0, 25, 50, 75, 100].map((v) => (
        <g key={v}>
          <line x1={x(v)} x2={x(v)} y1={pad.t + barH} y2={pad.t + barH + 3} stroke="#9aa7ae" />
          <text x={x(v)} y={height - 4} fontSize={10} textAnchor="middle" fill="#8c9aa1">
            {v}
          </text>
        </g>
      ))}
      <line
        x1={x(target)}
        x2={x(target)}
        y1={pad.t - 6}
        y2={pad.t + barH + 2}
        stroke="#123c4c"
        strokeWidth={2}
        strokeDasharray="4 2"
        data-testid="share-target-line"
      />
      <text x={x(target)} y={pad.t - 8} fontSize={10} textAnchor="middle" fill="#123c4c">
        {target}%
      </text>
      <text x={pad.l + w + 6} y={pad.t + barH / 2 + 4} fontSize={12} fill={fill} fontWeight={600}>
        {share}%
      </text>
    </svg>
  );
}
