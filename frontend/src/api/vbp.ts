/**
 * Volume-based procurement progress (带量采购执行进度, rule O5): per VBP contract and product, the
 * packs bought in purchase orders so far this contract year against the agreed annual volume, for
 * the consortium and per member, and the pro-rata point of the contract year (序时进度 = days
 * elapsed ÷ days in the contract year). A member's pharmacist is answered with their own
 * institution's figures only (the server decides; the line's figure is then the member's).
 *
 * Fractions (progress, pro-rata) are decimal strings ("0.4027" = 40.27 %) and are shown from the
 * string, never through a float; sums of packs are integers.
 */
import { api, unwrapAs as unwrap } from './client';
import type { components, paths } from './schema';

type S = components['schemas'];

export type VbpProgress = S['VbpProgress'];
export type VbpContract = S['VbpContract'];
export type VbpLine = S['VbpLine'];
export type VbpMember = S['VbpMember'];
export type VbpFigure = S['VbpFigure'];

export type VbpQuery = NonNullable<paths['/api/v1/vbp/progress']['get']['parameters']['query']>;

export const VBP_KEY = 'vbp-progress';

export const getVbpProgress = (query: VbpQuery, signal?: AbortSignal) =>
  unwrap<VbpProgress>(api.GET('/api/v1/vbp/progress', { params: { query }, signal }));

// ---------------------------------------------------------------------------------------------
// Figures, exactly.

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/**
 * A fraction as a percentage with `decimals` places, rounded half up from the decimal string:
 * `percent('0.40274')` → `'40.3%'`, `percent('0.4027', 2)` → `'40.27%'`, `percent('1.35')` →
 * `'135.0%'`. Plain digits and a `%`, so that a spreadsheet reads the cell as a percentage.
 */
export function percent(fraction: string | null | undefined, decimals = 1): string {
  const m = DECIMAL.exec(String(fraction ?? '').trim());
  if (!m) return '';
  const [, sign, int, frac = ''] = m;
  const n = BigInt(int + frac);
  const scale = 10n ** BigInt(frac.length);
  // percentage × 10^decimals = n × 100 × 10^decimals ÷ 10^scale, half up.
  const q = (n * 100n * 10n ** BigInt(decimals) * 2n + scale) / (2n * scale);
  const digits = q.toString().padStart(decimals + 1, '0');
  const whole = decimals > 0 ? digits.slice(0, -decimals) : digits;
  const part = decimals > 0 ? `.${digits.slice(-decimals)}` : '';
  return `${sign && q > 0n ? '-' : ''}${whole}${part}%`;
}

/** A fraction string as a number, for drawing only (widths, positions). */
export function fractionOf(fraction: string | null | undefined): number {
  const v = Number.parseFloat(String(fraction ?? ''));
  return Number.isFinite(v) && v > 0 ? v : 0;
}

/** Packs as people read them: `12,345`. */
export const packs = (n: number) => n.toLocaleString('en-US');

/**
 * The packs that should have been bought by today to stand at the pro-rata point:
 * ⌈agreed × elapsed ÷ days⌉. Buying fewer is exactly what O5 calls behind.
 */
export function proRataTarget(agreed: number, elapsedDays: number, yearDays: number): number {
  if (agreed <= 0) return 0;
  if (yearDays <= 0) return agreed;
  return Math.ceil((agreed * elapsedDays) / yearDays);
}

/** The packs still short of the pro-rata point (0 when on track). */
export const shortOfProRata = (f: Pick<VbpFigure, 'agreed' | 'purchased'>, c: Pick<VbpContract, 'elapsed_days' | 'year_days'>) =>
  Math.max(0, proRataTarget(f.agreed, c.elapsed_days, c.year_days) - f.purchased);

/**
 * A figure summed over several lines (a member across the contract's products, the consortium
 * across all of them): packs added, the progress a 4-place decimal string rounded half up, behind
 * as O5 says (agreed > 0 and purchased ÷ agreed < elapsed ÷ days), compared in integers.
 */
export function sumFigures(figs: Pick<VbpFigure, 'agreed' | 'purchased'>[], c: Pick<VbpContract, 'elapsed_days' | 'year_days'>): VbpFigure {
  const agreed = figs.reduce((s, f) => s + f.agreed, 0);
  const purchased = figs.reduce((s, f) => s + f.purchased, 0);
  return { agreed, purchased, progress: ratio(purchased, agreed), behind: behindProRata(purchased, agreed, c) };
}

export function behindProRata(purchased: number, agreed: number, c: Pick<VbpContract, 'elapsed_days' | 'year_days'>): boolean {
  if (agreed <= 0) return false;
  const days = c.year_days > 0 ? c.year_days : 1;
  const elapsed = c.year_days > 0 ? c.elapsed_days : 1;
  return BigInt(purchased) * BigInt(days) < BigInt(agreed) * BigInt(elapsed);
}

/** purchased ÷ agreed as a decimal string with up to 4 places ("0" when nothing is agreed). */
export function ratio(purchased: number, agreed: number): string {
  if (agreed <= 0 || purchased <= 0) return '0';
  const q = (BigInt(purchased) * 10000n * 2n + BigInt(agreed)) / (2n * BigInt(agreed));
  const whole = q / 10000n;
  const frac = (q % 10000n).toString().padStart(4, '0').replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : `${whole}`;
}

/** A product as one line names it: `阿托伐他汀 20mg`. */
export const lineLabel = (p: Pick<S['ProductBrief'], 'name_zh' | 'strength'>) => [p.name_zh, p.strength].filter((s) => s && s.trim()).join(' ');
