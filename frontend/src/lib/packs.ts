/**
 * Quantities in base units as a pharmacist reads them, written as the server writes `packs`
 * (api/src/stock/rules.rs): whole packs ("2盒"), packs and base units ("2盒+5片"), base units
 * below a pack ("5片"), negative with a leading minus ("-2盒", "-(2盒+5片)").
 */

/** The fields of a product that say how its base units make a pack. */
export type PackOf = { pack_size: number; pack_unit: string; base_unit: string };

/** Whether quantities of this product can be split below the pack (a pack of more than one unit). */
export const splittable = (p: PackOf) => p.pack_size > 1 && p.base_unit !== p.pack_unit;

/** Base units as whole packs and loose units: 365 of 36/盒 → [10, 5]. */
export function toPacks(quantity: number, p: PackOf): [number, number] {
  if (!splittable(p)) return [quantity, 0];
  return [Math.floor(quantity / p.pack_size), quantity % p.pack_size];
}

/** A quantity in packs; `signed` also marks a positive one ("+2盒", a difference or a change). */
export function formatPacks(quantity: number, p: PackOf, signed = false): string {
  const abs = Math.abs(quantity);
  if (abs === 0) return `0${p.base_unit}`;
  const [packs, loose] = toPacks(abs, p);
  const text = !splittable(p)
    ? `${abs}${p.base_unit}`
    : [packs ? `${packs}${p.pack_unit}` : '', loose ? `${loose}${p.base_unit}` : ''].filter(Boolean).join('+');
  const sign = quantity < 0 ? '-' : signed ? '+' : '';
  return sign && packs > 0 && loose > 0 ? `${sign}(${text})` : sign + text;
}

/** A quantity's text without its sign ("-(2盒+5片)" → "2盒+5片"). */
export function unsignedPacks(packs: string): string {
  return packs.replace(/^[-+]\((.*)\)$/, '$1').replace(/^[-+]/, '');
}
