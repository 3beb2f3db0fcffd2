import { useEffect, useRef, useState } from 'react';
import { AutoComplete, Input, Space, Tag, Typography } from 'antd';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { searchEntries } from '../api/formulary';
import type { Level, SearchHit } from '../api/types';
import { mayUse } from '../lib/enums';
import { useDebounced } from '../lib/hooks';
import { formatPack } from '../lib/format';

/**
 * Type-ahead over /formulary/search (pinyin initials, names, codes). Picking a
 * hit opens it; pressing Enter filters the list by the text instead.
 */
export default function SearchBox({
  initial,
  asOf,
  level,
  myLevel,
  onSubmit,
  onType,
  onPick,
  width = 360,
}: {
  initial?: string;
  asOf?: string;
  /** Only entries usable at this level (the list's level filter). */
  level?: Level;
  /** The reader's level: hits it may not use are marked. */
  myLevel?: Level;
  onSubmit: (q: string) => void;
  /** The text as typed, once the user pauses (the list filters as you type). */
  onType?: (q: string) => void;
  onPick: (hit: SearchHit) => void;
  width?: number | string;
}) {
  const { t } = useTranslation();
  const [text, setText] = useState(initial ?? '');
  const q = useDebounced(text.trim(), 150);
  const typed = useDebounced(text.trim(), 400);
  const firstRun = useRef(true);
  // The list's text changed from elsewhere (back, a link): show it.
  useEffect(() => {
    if ((initial ?? '') !== text.trim()) setText(initial ?? '');
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [initial]);
  useEffect(() => {
    // Not on mount: the list already holds the text it was opened with.
    if (firstRun.current) {
      firstRun.current = false;
      return;
    }
    onType?.(typed);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [typed]);

  const search = useQuery({
    queryKey: ['formulary-search', q, asOf ?? null, level ?? null],
    queryFn: ({ signal }) => searchEntries({ q, limit: 20, as_of: asOf, level }, signal),
    enabled: q.length > 0,
    staleTime: 60_000,
    placeholderData: (prev) => prev,
  });

  const hits = q.length > 0 ? (search.data?.items ?? []) : [];
  const options = hits.map((hit) => ({
    value: String(hit.entry.id),
    label: (
      <div data-testid="search-option" style={{ display: 'flex', justifyContent: 'space-between', gap: 8 }}>
        <div style={{ minWidth: 0 }}>
          <Typography.Text strong>{hit.entry.generic_name_zh}</Typography.Text>{' '}
          <Typography.Text>{hit.entry.strength}</Typography.Text>{' '}
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {hit.entry.dosage_form} · {formatPack(hit.entry)}
          </Typography.Text>
          <div className="muted" style={{ overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>
            {hit.entry.manufacturer}
          </div>
        </div>
        <Space size={2} style={{ flex: 'none' }}>
          {myLevel && !mayUse(myLevel, hit.entry.level_scope) ? (
            <Tag style={{ marginInlineEnd: 0, fontSize: 11 }} data-testid="search-out-of-scope">
              {t('formulary.outOfScope')}
            </Tag>
          ) : null}
          <Tag style={{ marginInlineEnd: 0, fontSize: 11 }} color={hit.match === 'code_exact' ? 'blue' : hit.match === 'prefix' ? 'green' : 'default'}>
            {t(`enum.matchField.${hit.field}`)} · {t(`enum.match.${hit.match}`)}
          </Tag>
        </Space>
      </div>
    ),
  }));

  return (
    <AutoComplete
      value={text}
      options={options}
      style={{ width }}
      popupMatchSelectWidth={Math.max(typeof width === 'number' ? width : 420, 460)}
      onChange={(v) => setText(v)}
      onSelect={(value: string) => {
        const hit = hits.find((h) => String(h.entry.id) === value);
        if (hit) {
          setText(hit.entry.generic_name_zh);
          onPick(hit);
        }
      }}
      notFoundContent={
        q.length > 0 ? (search.isFetching ? t('formulary.searching') : t('formulary.searchNoHit')) : null
      }
    >
      <Input.Search
        allowClear
        placeholder={t('formulary.searchPlaceholder')}
        data-testid="formulary-search"
        onSearch={(v) => onSubmit(v.trim())}
        enterButton
      />
    </AutoComplete>
  );
}
