import { Table } from 'antd';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import type { FieldChange } from '../api/types';
import { FIELD_ENUM, FIELD_ORDER } from '../lib/enums';
import { formatValue } from '../lib/format';

/** A field value in words: enum labels in the user's language, flags as 是/否. */
export function valueLabel(t: TFunction, field: string, v: unknown): string {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'boolean') return v ? t('common.yes') : t('common.no');
  const ns = FIELD_ENUM[field];
  if (ns && typeof v === 'string') {
    const key = `${ns}.${v}`;
    const label = t(key);
    return label === key ? v : label;
  }
  return formatValue(v);
}

export function fieldLabel(t: TFunction, field: string): string {
  const key = `field.${field}`;
  const label = t(key);
  return label === key ? field : label;
}

/** Changes in the order of the entry form (the server may send them alphabetically). */
export function sortChanges(changes: FieldChange[]): FieldChange[] {
  const rank = (f: string) => {
    const i = (FIELD_ORDER as string[]).indexOf(f);
    return i < 0 ? FIELD_ORDER.length : i;
  };
  return [...changes].sort((a, b) => rank(a.field) - rank(b.field));
}

/** old → new, inline (for timelines and compact lists). A new entry's values (no old) as a grid. */
export function InlineChanges({ changes }: { changes: FieldChange[] }) {
  const { t } = useTranslation();
  if (!changes.length) return null;
  const sorted = sortChanges(changes);
  if (sorted.every((c) => c.old === null || c.old === undefined)) {
    return (
      <div className="change-grid" data-testid="change-grid">
        {sorted.map((c, i) => (
          <div key={`${c.field}-${i}`}>
            <span className="muted">{fieldLabel(t, c.field)}{t('common.colon')}</span>
            <span>{valueLabel(t, c.field, c.new)}</span>
          </div>
        ))}
      </div>
    );
  }
  return (
    <ul style={{ margin: '4px 0 0', paddingLeft: 18 }}>
      {sorted.map((c, i) => (
        <li key={`${c.field}-${i}`}>
          <span>{fieldLabel(t, c.field)}{t('common.colon')}</span>
          {c.old !== null && c.old !== undefined ? (
            <>
              <span className="change-old">{valueLabel(t, c.field, c.old)}</span>
              {' → '}
            </>
          ) : null}
          <span className="change-new">{valueLabel(t, c.field, c.new)}</span>
        </li>
      ))}
    </ul>
  );
}

/**
 * old / new as a small table (for proposals and the diff). With `now` (the entry's present
 * values) a third column shows what the field holds today, marked where it is no longer `old`.
 */
export default function FieldChanges({ changes, now }: { changes: FieldChange[]; now?: Record<string, unknown> }) {
  const { t } = useTranslation();
  const showNow = !!now && Object.keys(now).length > 0;
  return (
    <Table<FieldChange & { k: number }>
      size="small"
      pagination={false}
      rowKey="k"
      dataSource={sortChanges(changes).map((c, k) => ({ ...c, k }))}
      columns={[
        { title: t('proposals.field'), dataIndex: 'field', width: 160, render: (f: string) => fieldLabel(t, f) },
        {
          title: t('proposals.old'),
          dataIndex: 'old',
          render: (v: unknown, c) => <span className={v == null ? 'muted' : 'change-old'}>{valueLabel(t, c.field, v)}</span>,
        },
        ...(showNow
          ? [
              {
                title: t('proposals.now'),
                key: 'now',
                render: (_: unknown, c: FieldChange) => {
                  const v = now?.[c.field];
                  const moved = JSON.stringify(v ?? null) !== JSON.stringify(c.old ?? null);
                  return (
                    <span className={moved ? 'change-moved' : undefined} data-testid={moved ? 'value-moved' : 'value-now'}>
                      {valueLabel(t, c.field, v)}
                      {moved ? ` (${t('proposals.changedSince')})` : ''}
                    </span>
                  );
                },
              },
            ]
          : []),
        {
          title: t('proposals.new'),
          dataIndex: 'new',
          render: (v: unknown, c) => <span className="change-new">{valueLabel(t, c.field, v)}</span>,
        },
      ]}
    />
  );
}
