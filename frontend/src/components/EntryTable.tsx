import { Table, Tag, Tooltip, Typography } from 'antd';
import type { TableProps } from 'antd';
import { useTranslation } from 'react-i18next';
import type { Entry, Level, ListSort } from '../api/types';
import { mayUse } from '../lib/enums';
import { formatDate, formatMoney, formatPack } from '../lib/format';
import EntryFlags from './EntryFlags';
import { EntryStatusTag } from './StatusTag';

export default function EntryTable({
  entries,
  loading,
  onOpen,
  footer,
  extraColumns,
  myLevel,
  selection,
  sort,
  onSort,
}: {
  entries: Entry[];
  /** The reader's institution level: entries it may not use are marked. */
  myLevel?: Level;
  /** The server's order of the rows, and how to ask for another (sortable columns). */
  sort?: ListSort;
  onSort?: (sort: ListSort | undefined) => void;
  /** Rows the user may select (for one batch proposal of several). */
  selection?: { selected: Entry[]; onChange: (rows: Entry[]) => void };
  loading?: boolean;
  onOpen?: (e: Entry) => void;
  footer?: TableProps<Entry>['footer'];
  extraColumns?: TableProps<Entry>['columns'];
}) {
  const { t } = useTranslation();
  const columns: TableProps<Entry>['columns'] = [
    {
      title: t('field.generic_name_zh'),
      dataIndex: 'generic_name_zh',
      width: 190,
      fixed: 'left',
      key: 'name',
      sorter: !!onSort,
      sortOrder: onSort ? (sort === undefined || sort === 'name' ? 'ascend' : null) : undefined,
      sortDirections: ['ascend'],
      render: (_: unknown, e) => (
        <div>
          <Typography.Text strong data-testid="entry-name">
            {e.generic_name_zh}
          </Typography.Text>
          {e.generic_name_en ? <div className="muted">{e.generic_name_en}</div> : null}
        </div>
      ),
    },
    { title: t('field.strength'), dataIndex: 'strength', width: 110 },
    { title: t('field.dosage_form'), dataIndex: 'dosage_form', width: 90 },
    { title: t('field.pack'), key: 'pack', width: 100, render: (_: unknown, e) => formatPack(e) },
    {
      title: t('field.manufacturer'),
      dataIndex: 'manufacturer',
      key: 'manufacturer',
      ellipsis: true,
      width: 180,
      sorter: !!onSort,
      sortOrder: onSort ? (sort === 'manufacturer' ? 'ascend' : null) : undefined,
      sortDirections: ['ascend'],
    },
    {
      title: t('field.price'),
      dataIndex: 'unit_price',
      key: 'price',
      width: 100,
      align: 'right',
      sorter: !!onSort,
      sortOrder: onSort ? (sort === 'price' ? 'ascend' : sort === 'price_desc' ? 'descend' : null) : undefined,
      sortDirections: ['ascend', 'descend'],
      render: (v: string) => <span className="num">{formatMoney(v)}</span>,
    },
    { title: t('field.flags'), key: 'flags', width: 200, render: (_: unknown, e) => <EntryFlags entry={e} /> },
    {
      title: t('field.level_scope'),
      dataIndex: 'level_scope',
      width: 150,
      render: (v: Entry['level_scope']) => (
        <>
          {t(`enum.levelShort.${v}`)}
          {myLevel && !mayUse(myLevel, v) ? (
            <Tag color="default" data-testid="out-of-scope" style={{ marginInlineStart: 4 }}>
              {t('formulary.outOfScope')}
            </Tag>
          ) : null}
        </>
      ),
    },
    {
      title: t('field.status'),
      dataIndex: 'status',
      width: 120,
      render: (v: Entry['status'], e) => (
        <>
          <EntryStatusTag status={v} />
          {e.valid_to ? (
            // The state shown ends on valid_to: an approved change begins that day.
            <Tooltip title={t('formulary.changesFromHint', { date: formatDate(e.valid_to) })}>
              <Tag color="orange" data-testid="entry-upcoming-marker" style={{ marginInlineStart: 4 }}>
                {t('formulary.changesFrom', { date: formatDate(e.valid_to).slice(5) })}
              </Tag>
            </Tooltip>
          ) : null}
        </>
      ),
    },
    ...(extraColumns ?? []),
  ];
  return (
    <Table<Entry>
      className={onOpen ? 'clickable-rows' : undefined}
      size="small"
      rowKey="id"
      columns={columns}
      dataSource={entries}
      loading={loading}
      pagination={false}
      scroll={{ x: 1100 }}
      footer={footer}
      rowSelection={
        selection
          ? {
              selectedRowKeys: selection.selected.map((e) => e.id),
              preserveSelectedRowKeys: true,
              onChange: (_keys, rows) => selection.onChange(rows),
              columnWidth: 36,
            }
          : undefined
      }
      onChange={(_p, _f, sorter) => {
        if (!onSort || Array.isArray(sorter)) return;
        // The server orders and pages; the table only asks.
        const next: ListSort | undefined =
          sorter.columnKey === 'price' && sorter.order
            ? sorter.order === 'descend'
              ? 'price_desc'
              : 'price'
            : sorter.columnKey === 'manufacturer' && sorter.order
              ? 'manufacturer'
              : undefined;
        onSort(next);
      }}
      onRow={(e) => ({
        onClick: onOpen
          ? (ev: React.MouseEvent) => {
              // A click in the selection cell selects; elsewhere it opens the entry.
              if ((ev.target as HTMLElement).closest('.ant-table-selection-column')) return;
              onOpen(e);
            }
          : undefined,
        // Keyboard: Tab reaches the rows, ↑/↓ move between them, Enter opens one.
        tabIndex: onOpen ? 0 : undefined,
        onKeyDown: onOpen
          ? (ev: React.KeyboardEvent<HTMLElement>) => {
              const row = ev.currentTarget;
              if (ev.key === 'Enter') onOpen(e);
              else if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
                ev.preventDefault();
                const next = ev.key === 'ArrowDown' ? row.nextElementSibling : row.previousElementSibling;
                if (next instanceof HTMLElement && next.dataset.testid === 'entry-row') next.focus();
              }
            }
          : undefined,
        'data-testid': 'entry-row',
      } as React.HTMLAttributes<HTMLElement>)}
      locale={{ emptyText: t('formulary.empty') }}
    />
  );
}
