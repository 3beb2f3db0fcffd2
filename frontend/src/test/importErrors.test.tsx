import { describe, expect, it, beforeAll } from 'vitest';
import { render, screen, within } from '@testing-library/react';
import i18n from '../i18n';
import ImportErrorTable from '../components/ImportErrorTable';
import { ImportReportView } from '../pages/formulary/ImportWizard';
import { MemoryRouter } from 'react-router';

const TEST_PRODUCT = { generic_name_zh: '测试片', strength: '10mg', dosage_form: '片剂', manufacturer: '某药业' };

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
            effective_date: '2027-01-01',
            rows_total: 2,
            rows_valid: 1,
            errors: [{ row: 3, column: '批准文号', message: 'bad' }],
            added: [{ row: 2, generic_name_zh: '测试片', strength: '10mg', manufacturer: '某药业', product: TEST_PRODUCT }],
            changed: [],
            overrides: [],
            unchanged: 0,
            skipped: 0,
            proposal_id: null,
          }}
        />
      </MemoryRouter>,
    );
    expect(screen.getAllByTestId('import-error-row')).toHaveLength(1);
    // The product is named in full: name, strength, form, manufacturer.
    expect(screen.getByText('测试片 10mg 片剂 · 某药业')).toBeInTheDocument();
    expect(screen.getByTestId('import-counts')).toHaveTextContent('总行数');
    expect(screen.getByTestId('import-compared-at')).toHaveTextContent('2027-01-01');
    expect(screen.queryByTestId('import-overrides')).toBeNull();
  });

  it('names the approved future change a row would override', () => {
    render(
      <MemoryRouter>
        <ImportReportView
          report={{
            dry_run: true,
            effective_date: '2027-01-01',
            rows_total: 1,
            rows_valid: 1,
            errors: [],
            added: [],
            changed: [],
            overrides: [
              {
                row: 2,
                entry_id: 7,
                product: TEST_PRODUCT,
                changes: [{ field: 'unit_price', old: '12.50', new: '13.00' }],
                scheduled: [
                  {
                    proposal_id: 42,
                    effective_from: '2027-01-11',
                    changes: [{ field: 'status', old: 'active', new: 'suspended' }],
                  },
                ],
              },
            ],
            unchanged: 0,
            skipped: 0,
            proposal_id: null,
          }}
        />
      </MemoryRouter>,
    );
    const card = screen.getByTestId('import-overrides');
    expect(card).toHaveTextContent('测试片 10mg 片剂 · 某药业');
    expect(card).toHaveTextContent('2027-01-11 起（提议 #42）');
    expect(card).toHaveTextContent('13.00');
  });
});
