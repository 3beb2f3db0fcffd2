import { describe, expect, it, beforeAll } from 'vitest';
import { render, screen } from '@testing-library/react';
import i18n from '../i18n';
import ErrorAlert from '../components/ErrorAlert';
import { ApiError, isStale, placedInForm } from '../api/problem';

beforeAll(async () => {
  await i18n.changeLanguage('zh-CN');
});

describe('ErrorAlert says what to change in words', () => {
  it('names fields by their labels, never by their paths', () => {
    const err = new ApiError(422, {
      title: 'Unprocessable Entity',
      detail: '有 2 处输入需要修改',
      errors: [
        { field: 'fields.unit_price', message: '价格应在 0 到 1000000 元之间' },
        { field: 'fields.inner_pack_size', message: '内包装数量应能整除包装数量 28' },
      ],
    });
    render(<ErrorAlert error={err} />);
    const alert = screen.getByTestId('error-alert');
    expect(alert).toHaveTextContent('单价(元/包装)：价格应在 0 到 1000000 元之间');
    expect(alert).toHaveTextContent('内包装数量：内包装数量应能整除包装数量 28');
    expect(alert.textContent).not.toContain('fields.');
    expect(alert.textContent).not.toContain('unit_price');
  });

  it('a conflict says what the server says, not always "changed by someone else"', () => {
    const taken = new ApiError(409, {
      title: 'Conflict',
      detail: '编码 HJQ-1 在本医共体已被其他机构使用，请换一个编码',
      errors: [{ field: 'code', message: '编码 HJQ-1 在本医共体已被其他机构使用，请换一个编码' }],
    });
    render(<ErrorAlert error={taken} />);
    expect(screen.getByTestId('error-alert')).toHaveTextContent('已被其他机构使用');
    expect(screen.getByTestId('error-alert').textContent).not.toContain('他人修改');
    expect(isStale(taken)).toBe(false);
    expect(placedInForm(taken, ['name', 'code'])).toBe(true);
    expect(placedInForm(taken, ['name'])).toBe(false);
    const stale = new ApiError(409, { title: 'Conflict', detail: '这条记录刚刚已被他人修改，请刷新后再操作' });
    expect(isStale(stale)).toBe(true);
  });
});
