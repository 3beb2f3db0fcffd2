import { describe, expect, it, beforeAll } from 'vitest';
import { render, screen, within } from '@testing-library/react';
import i18n from '../i18n';
import ImportErrorTable from '../components/ImportErrorTable';
import { ImportReportView } from '../pages/formulary/ImportWizard';
import { MemoryRouter } from 'react-router';

beforeAll(async () => {
  await i18n.changeLanguage('zh-CN');
});

describe('ImportErrorTable', () => {
  it('renders one row per error with row number, Chinese column and message', () => {
    render(
      <ImportErrorTable
        errors={[
          { row: 3, column: '批准文号', message: '批准文号格式应为 国药准字 + 字母 + 8 位数字' },
          { row: 5, column: 'unit_price', message: 'not a number' },
        ]}
      />,
    );
    const rows = screen.getAllByTestId('import-error-row');
    expect(rows).toHaveLength(2);
    expect(within(rows[0]).getByText('3')).toBeInTheDocument();
    expect(rows[0]).toHaveTextContent('批准文号');
    expect(rows[0]).toHaveTextContent('国药准字');
    // An English column code is shown with its Chinese template header.
    expect(rows[1]).toHaveTextContent('单价(元/包装)');
    expect(rows[1]).toHaveTextContent('5');
  });

  it('renders the counts and errors of a dry-run report', () => {
    render(
      <MemoryRouter>
        <ImportReportView
          report={{
            dry_run: true,
            rows_total: 2,
            rows_valid: 1,
            errors: [{ row: 3, column: '批准文号', message: 'bad' }],
            added: [{ row: 2, generic_name_zh: '测试片', strength: '10mg', manufacturer: '某药业' }],
            changed: [],
            unchanged: 0,
            proposal_id: null,
          }}
        />
      </MemoryRouter>,
    );
    expect(screen.getAllByTestId('import-error-row')).toHaveLength(1);
    expect(screen.getByText('测试片')).toBeInTheDocument();
    expect(screen.getByTestId('import-counts')).toHaveTextContent('总行数');
  });
});
