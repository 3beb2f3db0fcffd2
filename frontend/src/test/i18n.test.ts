import { describe, expect, it } from 'vitest';
import zhCN from '../i18n/zh-CN';
import en from '../i18n/en';
import { purchaseOrderStatusValues } from '../api/schema';

function flatten(obj: Record<string, unknown>, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out.set(key, v);
    else if (v && typeof v === 'object') for (const [kk, vv] of flatten(v as Record<string, unknown>, key)) out.set(kk, vv);
    else throw new Error(`unexpected value at ${key}`);
  }
  return out;
}

const vars = (s: string) => [...s.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]).sort();

describe('i18n resources', () => {
  const zh = flatten(zhCN);
  const e = flatten(en as unknown as Record<string, unknown>);

  it('has every zh-CN key in English and vice versa', () => {
    const missingInEn = [...zh.keys()].filter((k) => !e.has(k));
    const missingInZh = [...e.keys()].filter((k) => !zh.has(k));
    expect(missingInEn).toEqual([]);
    expect(missingInZh).toEqual([]);
    expect(zh.size).toBeGreaterThan(300);
  });

  it('has no empty texts', () => {
    expect([...zh].filter(([, v]) => !v.trim()).map(([k]) => k)).toEqual([]);
    expect([...e].filter(([, v]) => !v.trim()).map(([k]) => k)).toEqual([]);
  });

  it('uses the same interpolation variables in both languages', () => {
    const differ = [...zh.keys()].filter((k) => JSON.stringify(vars(zh.get(k)!)) !== JSON.stringify(vars(e.get(k) ?? '')));
    expect(differ).toEqual([]);
  });

  it('really translates: English texts contain no Chinese except where they quote what the user sees in Chinese', () => {
    const han = /[\u4e00-\u9fff]/;
    // The approval-number pattern, the import template's Chinese labels, and the order sheet's
    // column headers (the exported workbook is headed in Chinese; the hint names those headers).
    const allowed = new Set([
      'proposal.approvalPattern',
      'import.templateHint',
      'procurement.orders.import.hint',
      'procurement.orders.import.pastePlaceholder',
    ]);
    expect([...e].filter(([k, v]) => han.test(v) && !allowed.has(k)).map(([k]) => k)).toEqual([]);
  });

  it('labels every enum value of the contract', () => {
    const expectKeys = [
      ...['system_admin', 'consortium_admin', 'committee', 'pharmacist', 'prescriber', 'procurement', 'distribution', 'auditor'].map(
        (r) => `enum.role.${r}`,
      ),
      ...['lead', 'secondary', 'township', 'village'].map((l) => `enum.level.${l}`),
      ...['oral', 'injection', 'external', 'inhalation', 'other'].map((r) => `enum.route.${r}`),
      ...['none', 'narcotic', 'psychotropic_1', 'psychotropic_2', 'toxic', 'radioactive', 'precursor'].map((s) => `enum.special.${s}`),
      ...['none', 'unrestricted', 'restricted', 'special'].map((s) => `enum.antimicrobial.${s}`),
      ...['ordinary', 'cool', 'cold_chain'].map((s) => `enum.storage.${s}`),
      ...['active', 'suspended', 'withdrawn'].map((s) => `enum.entryStatus.${s}`),
      ...['add', 'amend', 'suspend', 'withdraw', 'batch'].map((s) => `enum.proposalKind.${s}`),
      ...['pending', 'approved', 'rejected', 'withdrawn'].map((s) => `enum.proposalStatus.${s}`),
      // Every status of a purchase order, as the contract lists them (issued … closed, cancelled).
      ...purchaseOrderStatusValues.map((s) => `procurement.purchaseOrders.status.${s}`),
      ...['issued', 'receiving', 'received', 'closed', 'cancelled'].map((s) => `procurement.purchaseOrders.status.${s}`),
    ];
    expect(expectKeys.filter((k) => !zh.has(k))).toEqual([]);
    expect(zh.get('enum.route.oral')).toBe('口服');
    expect(zh.get('enum.special.psychotropic_1')).toBe('精一');
    expect(zh.get('field.approval_number')).toBe('批准文号');
  });
});
