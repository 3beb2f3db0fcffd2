/**
 * An order's lines from a spreadsheet: rows pasted from Excel (with their header row) or a file
 * (the order's own export changed, or any sheet with 条目编号 / 医保药品代码 / 药品名称+规格+生产企业
 * and 请领量). First a check that says what would be added, changed and taken off and every
 * problem by row and column; then, with no problems, the change, with the version read.
 */
import { useState } from 'react';
import { Alert, App, Button, Descriptions, Input, Modal, Space, Table, Tabs, Typography, Upload } from 'antd';
import { InboxOutlined } from '@ant-design/icons';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { ORDERS_KEY, importOrder, orderKey, type Order, type OrderImportReport } from '../../api/orders';
import { ApiError } from '../../api/problem';
import ErrorAlert from '../../components/ErrorAlert';

const k = (key: string) => `procurement.orders.import.${key}`;

type Source = { blob: Blob; name: string } | null;

/** What the user gave: the pasted text as a tab-separated file, or the picked file. */
export function sourceOf(tab: string, text: string, file: File | null): Source {
  if (tab === 'paste') {
    return text.trim() ? { blob: new Blob([text], { type: 'text/tab-separated-values' }), name: 'paste.tsv' } : null;
  }
  return file ? { blob: file, name: file.name } : null;
}

export default function OrderImport({ order, open, onClose }: { order: Order; open: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [tab, setTab] = useState('paste');
  const [text, setText] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [report, setReport] = useState<OrderImportReport | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const source = sourceOf(tab, text, file);

  const reset = () => {
    setReport(null);
    setError(null);
  };
  const close = () => {
    reset();
    setText('');
    setFile(null);
    onClose();
  };

  const check = async () => {
    if (!source) return;
    setBusy(true);
    reset();
    try {
      setReport(await importOrder(order.id, source.blob, source.name, { dryRun: true }));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const apply = async () => {
    if (!source) return;
    setBusy(true);
    setError(null);
    const version = (queryClient.getQueryData<Order>(orderKey(order.id)) ?? order).version;
    try {
      const r = await importOrder(order.id, source.blob, source.name, { dryRun: false, version });
      if (r.order) queryClient.setQueryData(orderKey(order.id), r.order);
      void queryClient.invalidateQueries({ queryKey: [ORDERS_KEY] });
      void message.success(t(k('done'), { added: r.added, changed: r.changed, removed: r.removed }));
      close();
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) {
        await queryClient.invalidateQueries({ queryKey: orderKey(order.id) });
        setReport(null);
      }
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const nothing = report != null && report.added + report.changed + report.removed === 0;
  const mayApply = report != null && report.problems.length === 0 && !nothing;

  return (
    <Modal
      open={open}
      onCancel={close}
      title={t(k('title'))}
      width={760}
      destroyOnHidden
      footer={
        <Space>
          <Button onClick={close}>{t(k('cancel'))}</Button>
          <Button onClick={() => void check()} disabled={!source} loading={busy && !report} data-testid="order-import-check">
            {t(k('check'))}
          </Button>
          <Button type="primary" onClick={() => void apply()} disabled={!mayApply} loading={busy && !!report} data-testid="order-import-apply">
            {t(k('apply'))}
          </Button>
        </Space>
      }
    >
      <Typography.Paragraph className="muted" style={{ fontSize: 12 }}>
        {t(k('hint'))}
      </Typography.Paragraph>
      <Tabs
        activeKey={tab}
        onChange={(v) => {
          setTab(v);
          reset();
        }}
        items={[
          {
            key: 'paste',
            label: t(k('paste')),
            children: (
              <Input.TextArea
                rows={8}
                value={text}
                onChange={(e) => {
                  setText(e.target.value);
                  reset();
                }}
                placeholder={t(k('pastePlaceholder'))}
                style={{ fontFamily: 'monospace', fontSize: 12 }}
                data-testid="order-import-paste"
              />
            ),
          },
          {
            key: 'file',
            label: t(k('file')),
            children: (
              <Upload.Dragger
                accept=".xlsx,.csv,.tsv,.txt"
                maxCount={1}
                beforeUpload={(f) => {
                  setFile(f);
                  reset();
                  return false;
                }}
                onRemove={() => {
                  setFile(null);
                  reset();
                }}
                fileList={file ? [{ uid: '1', name: file.name, status: 'done' }] : []}
                data-testid="order-import-file"
              >
                <p className="ant-upload-drag-icon">
                  <InboxOutlined />
                </p>
                <p>{t(k('fileHint'))}</p>
              </Upload.Dragger>
            ),
          },
        ]}
      />
      <ErrorAlert error={error} style={{ marginTop: 12 }} />
      {report ? (
        <div style={{ marginTop: 12 }} data-testid="order-import-report" data-problems={report.problems.length}>
          <Descriptions size="small" column={4} bordered>
            <Descriptions.Item label={t(k('rows'))}>{report.rows_total}</Descriptions.Item>
            <Descriptions.Item label={t(k('added'))}>
              <span data-testid="order-import-added">{report.added}</span>
            </Descriptions.Item>
            <Descriptions.Item label={t(k('changed'))}>
              <span data-testid="order-import-changed">{report.changed}</span>
            </Descriptions.Item>
            <Descriptions.Item label={t(k('removed'))}>
              <span data-testid="order-import-removed">{report.removed}</span>
            </Descriptions.Item>
          </Descriptions>
          {report.problems.length > 0 ? (
            <>
              <Alert type="error" showIcon style={{ margin: '12px 0 8px' }} title={t(k('problems'), { count: report.problems.length })} />
              <Table
                size="small"
                rowKey={(p) => `${p.row}-${p.column}-${p.message}`}
                dataSource={report.problems}
                pagination={report.problems.length > 10 ? { pageSize: 10, size: 'small' } : false}
                columns={[
                  { title: t(k('row')), dataIndex: 'row', width: 70 },
                  { title: t(k('column')), dataIndex: 'column', width: 140 },
                  { title: t(k('message')), dataIndex: 'message' },
                ]}
                data-testid="order-import-problems"
              />
            </>
          ) : nothing ? (
            <Alert type="info" showIcon style={{ marginTop: 12 }} title={t(k('nothing'))} />
          ) : (
            <Alert type="success" showIcon style={{ marginTop: 12 }} title={t(k('ready'))} />
          )}
        </div>
      ) : null}
    </Modal>
  );
}
