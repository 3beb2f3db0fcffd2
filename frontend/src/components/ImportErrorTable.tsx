import { Table } from 'antd';
import { useTranslation } from 'react-i18next';
import type { ImportRowError } from '../api/types';
import { fieldLabel } from './FieldChanges';

/**
 * Row errors of an import, as the user fixes them in Excel: row number, the
 * column (shown with its Chinese template header), and what is wrong.
 */
export default function ImportErrorTable({ errors }: { errors: ImportRowError[] }) {
  const { t } = useTranslation();
  return (
    <Table<ImportRowError & { k: number }>
      size="small"
      rowKey="k"
      dataSource={errors.map((e, k) => ({ ...e, k }))}
      pagination={errors.length > 50 ? { pageSize: 50, showSizeChanger: false } : false}
      onRow={() => ({ 'data-testid': 'import-error-row' }) as React.HTMLAttributes<HTMLElement>}
      columns={[
        { title: t('import.row'), dataIndex: 'row', width: 80, render: (r: number) => <span className="num">{r}</span> },
        {
          title: t('import.column'),
          dataIndex: 'column',
          width: 180,
          // The server may name the column by its header (批准文号) or by its code (approval_number).
          render: (c: string) => {
            const label = fieldLabel(t, c);
            return label === c ? c : `${label}`;
          },
        },
        { title: t('import.message'), dataIndex: 'message' },
      ]}
    />
  );
}
