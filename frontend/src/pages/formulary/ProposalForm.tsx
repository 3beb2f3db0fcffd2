import { useEffect, useMemo, useState } from 'react';
import {
  Alert,
  App,
  Button,
  Card,
  Col,
  DatePicker,
  Descriptions,
  Form,
  Input,
  InputNumber,
  Result,
  Row,
  Select,
  Skeleton,
  Space,
  Switch,
} from 'antd';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import type { Dayjs } from 'dayjs';
import { checkProposal, createProposal, getEntry } from '../../api/formulary';
import { ApiError, applyFieldErrors } from '../../api/problem';
import type { Entry, EntryFields, ProposalRequest, RuleWarning } from '../../api/types';
import PageTitle from '../../components/PageTitle';
import ErrorAlert from '../../components/ErrorAlert';
import EntryFlags from '../../components/EntryFlags';
import { EntryStatusTag } from '../../components/StatusTag';
import { ANTIMICROBIAL, ENTRY_STATUS, INSURANCE, LEVELS, ROUTES, SPECIAL, STORAGE, options, FIELD_ORDER } from '../../lib/enums';
import { DATE_FORMAT, consortiumToday, formatMoney, formatPack } from '../../lib/format';
import { effectiveDateRule, innerPackRule, wholeAtLeastRule } from '../../lib/rules';
import { useDebounced } from '../../lib/hooks';

type Kind = 'add' | 'amend' | 'suspend' | 'withdraw';
const KINDS: Kind[] = ['add', 'amend', 'suspend', 'withdraw'];

type FormValues = EntryFields & {
  reason: string;
  effective_date: Dayjs;
  justification?: string;
};

export const FIELD_NAMES = FIELD_ORDER;

// Optional codes are null when blank; the English name is a plain string ('' when unknown).
const OPTIONAL_CODES = new Set<keyof EntryFields>(['nhsa_code', 'atc_code']);

const ADD_DEFAULTS: Partial<EntryFields> = {
  route: 'oral',
  essential_national: false,
  essential_provincial: false,
  vbp: false,
  insurance_class: 'none',
  special_class: 'none',
  antimicrobial_tier: 'none',
  storage: 'ordinary',
  // The narrowest scope (the lead hospital only): widening it is a decision, not a default.
  level_scope: 'lead',
  long_rx_eligible: false,
  extended_rx_eligible: false,
  status: 'active',
};

/** The entry fields of the form, blanks of optional texts as null, texts trimmed. */
export function cleanFields(values: Partial<FormValues>): Partial<EntryFields> {
  const out: Record<string, unknown> = {};
  for (const name of FIELD_NAMES) {
    let v: unknown = values[name];
    if (typeof v === 'string') v = v.trim();
    if (v === '' || v === undefined || v === null) {
      if (OPTIONAL_CODES.has(name) || name === 'inner_pack_size') out[name] = null;
      else if (name === 'generic_name_en') out[name] = '';
      continue;
    }
    out[name] = v;
  }
  return out as Partial<EntryFields>;
}

/** Only the fields that differ from the entry (an amendment sends a subset). */
export function changedFields(entry: Entry, fields: Partial<EntryFields>): Partial<EntryFields> {
  const out: Record<string, unknown> = {};
  for (const name of FIELD_NAMES) {
    if (!(name in fields)) continue;
    const next = fields[name] ?? null;
    const prev = entry[name] ?? (name === 'generic_name_en' ? '' : null);
    if (name === 'unit_price' && next !== null && prev !== null && Number(next) === Number(prev)) continue;
    // An inner pack is cleared with 0 (the request has no null for it).
    if (next !== prev) out[name] = name === 'inner_pack_size' && next === null ? 0 : next;
  }
  return out as Partial<EntryFields>;
}

/** A new product's fields as the request takes them: no inner pack is left out. */
export function addFields(fields: Partial<EntryFields>): Partial<EntryFields> {
  const { inner_pack_size, ...rest } = fields;
  return inner_pack_size == null ? rest : { ...rest, inner_pack_size };
}

export default function ProposalForm() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const { kind: kindParam } = useParams();
  const [params] = useSearchParams();
  const kind = (KINDS as string[]).includes(kindParam ?? '') ? (kindParam as Kind) : null;
  const entryId = params.get('entry') ? Number(params.get('entry')) : undefined;
  const [form] = Form.useForm<FormValues>();
  const [warnings, setWarnings] = useState<RuleWarning[]>([]);

  const entry = useQuery({
    queryKey: ['entry', entryId, null],
    queryFn: () => getEntry(entryId!),
    enabled: kind !== 'add' && entryId !== undefined && Number.isFinite(entryId),
  });

  const editsFields = kind === 'add' || kind === 'amend';

  // Live F5 (one generic, two specs) check while the name, route or form change.
  const watchedName = Form.useWatch('generic_name_zh', form);
  const watchedRoute = Form.useWatch('route', form);
  const watchedForm = Form.useWatch('dosage_form', form);
  const watchedStatus = Form.useWatch('status', form);
  const checkKey = useDebounced(
    JSON.stringify([watchedName ?? '', watchedRoute ?? '', watchedForm ?? '', watchedStatus ?? '']),
    350,
  );
  useEffect(() => {
    if (!kind || !editsFields) return;
    const values = form.getFieldsValue(true) as Partial<FormValues>;
    if (!values.generic_name_zh || !String(values.generic_name_zh).trim()) {
      setWarnings([]);
      return;
    }
    const ctrl = new AbortController();
    const fields = cleanFields(values);
    const body: ProposalRequest = {
      kind,
      entry_id: kind === 'amend' ? entryId : undefined,
      fields: kind === 'amend' && entry.data ? { ...changedFields(entry.data, fields), generic_name_zh: fields.generic_name_zh, route: fields.route } : addFields(fields),
      // The check validates the body like a submission; a placeholder stands in for an unfinished reason.
      reason: values.reason && values.reason.trim().length >= 2 ? values.reason.trim() : '规则检查',
      effective_date: (values.effective_date ?? consortiumToday()).format(DATE_FORMAT),
      justification: values.justification?.trim() || undefined,
    };
    checkProposal(body, ctrl.signal)
      .then((r) => setWarnings(r.warnings ?? []))
      .catch(() => {
        // The check is advisory; an incomplete form may not validate yet.
      });
    return () => ctrl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [checkKey, kind, entry.data]);

  const f5 = warnings.length > 0;
  useEffect(() => {
    if (!f5) form.setFields([{ name: 'justification', errors: [] }]);
  }, [f5, form]);

  const mutation = useMutation({
    mutationFn: (body: ProposalRequest) => createProposal(body),
    onSuccess: (p) => {
      void message.success(t('proposal.submitted', { id: p.id }));
      void queryClient.invalidateQueries({ queryKey: ['proposals'] });
      if (entryId) void queryClient.invalidateQueries({ queryKey: ['entry-timeline', entryId] });
      void navigate(`/formulary/proposals?status=pending&highlight=${p.id}`);
    },
    onError: (err) => {
      if (err instanceof ApiError) {
        void message.error(err.rule ? `${err.rule}: ${err.detail}` : err.detail);
        applyFieldErrors(form, err, [...FIELD_NAMES, 'reason', 'effective_date', 'justification']);
        if (err.rule === 'F5') form.setFields([{ name: 'justification', errors: [t('proposal.justificationRequired')] }]);
      }
    },
  });

  const initialValues = useMemo(() => {
    const base = { effective_date: consortiumToday() } as Partial<FormValues>;
    if (kind === 'add') return { ...ADD_DEFAULTS, ...base };
    if (entry.data) {
      const e = entry.data;
      const fields: Record<string, unknown> = {};
      for (const n of FIELD_NAMES) fields[n] = e[n];
      return { ...fields, ...base } as Partial<FormValues>;
    }
    return base;
  }, [kind, entry.data]);

  if (!kind) return <Result status="404" title={t('common.notFound')} />;
  if (kind !== 'add') {
    if (entryId === undefined || !Number.isFinite(entryId)) return <Result status="404" title={t('entry.notFound')} />;
    if (entry.error) return <ErrorAlert error={entry.error} />;
    if (!entry.data) return <Skeleton active />;
  }

  const onFinish = (values: FormValues) => {
    const body: ProposalRequest = {
      kind,
      reason: values.reason.trim(),
      effective_date: values.effective_date.format(DATE_FORMAT),
      justification: values.justification?.trim() || undefined,
    };
    if (kind === 'add') {
      body.fields = addFields(cleanFields(values));
    } else {
      body.entry_id = entryId;
      if (kind === 'amend') {
        const changes = changedFields(entry.data!, cleanFields(values));
        if (Object.keys(changes).length === 0) {
          void message.warning(t('proposal.noChanges'));
          return;
        }
        body.fields = changes;
      }
    }
    mutation.mutate(body);
  };

  const title = {
    add: t('proposal.titleAdd'),
    amend: t('proposal.titleAmend'),
    suspend: t('proposal.titleSuspend'),
    withdraw: t('proposal.titleWithdraw'),
  }[kind];

  const req = (field: string) => [{ required: true, message: t('proposal.requiredField', { field: t(`field.${field}`) }) }];
  const col = { xs: 24, md: 12, xl: 8 };

  const drugSection = (
    <>
      <Card size="small" title={t('proposal.sectionDrug')} style={{ marginBottom: 12 }}>
        <Row gutter={16}>
          <Col {...col}>
            <Form.Item
              name="generic_name_zh"
              label={t('field.generic_name_zh')}
              rules={req('generic_name_zh')}
              extra={f5 ? <span style={{ color: '#d48806' }}>{t('proposal.f5Title')}{t('common.colon')}{t('proposal.f5Need')}</span> : undefined}
            >
              <Input data-testid="field-generic_name_zh" maxLength={100} />
            </Form.Item>
          </Col>
          <Col {...col}>
            <Form.Item name="generic_name_en" label={t('field.generic_name_en')}>
              <Input data-testid="field-generic_name_en" maxLength={200} />
            </Form.Item>
          </Col>
          <Col {...col}>
            <Form.Item name="route" label={t('field.route')} rules={req('route')}>
              <Select options={options(t, 'enum.route', ROUTES)} data-testid="field-route" />
            </Form.Item>
          </Col>
          <Col {...col}>
            <Form.Item name="dosage_form" label={t('field.dosage_form')} rules={req('dosage_form')}>
              <Input data-testid="field-dosage_form" placeholder="片剂 / 胶囊 / 注射液" maxLength={50} />
            </Form.Item>
          </Col>
          <Col {...col}>
            <Form.Item name="manufacturer" label={t('field.manufacturer')} rules={req('manufacturer')}>
              <Input data-testid="field-manufacturer" maxLength={200} />
            </Form.Item>
          </Col>
          <Col {...col}>
            <Form.Item
              name="approval_number"
              label={t('field.approval_number')}
              tooltip={t('proposal.approvalPattern')}
              rules={[...req('approval_number'), { pattern: /^国药准字[A-Z]\d{8}$/, message: t('proposal.approvalPattern') }]}
            >
              <Input data-testid="field-approval_number" placeholder="国药准字H20003263" maxLength={20} />
            </Form.Item>
          </Col>
          <Col {...col}>
            <Form.Item
              name="nhsa_code"
              label={t('field.nhsa_code')}
              rules={[{ pattern: /^[A-Z0-9]{20}([A-Z0-9]{3})?$/, message: t('proposal.nhsaPattern') }]}
            >
              <Input data-testid="field-nhsa_code" maxLength={23} />
            </Form.Item>
          </Col>
          <Col {...col}>
            <Form.Item name="atc_code" label={t('field.atc_code')}>
              <Input data-testid="field-atc_code" placeholder="J01CA04" maxLength={10} />
            </Form.Item>
          </Col>
        </Row>
      </Card>
      <Card size="small" title={t('proposal.sectionPack')} style={{ marginBottom: 12 }}>
        <Row gutter={16}>
          <Col {...col}>
            <Form.Item name="strength" label={t('field.strength')} rules={req('strength')}>
              <Input data-testid="field-strength" placeholder="0.25g" maxLength={100} />
            </Form.Item>
          </Col>
          <Col {...col}>
            <Form.Item name="base_unit" label={t('field.base_unit')} rules={req('base_unit')}>
              <Input data-testid="field-base_unit" placeholder="片" maxLength={10} />
            </Form.Item>
          </Col>
          <Col {...col}>
            <Form.Item
              name="pack_size"
              label={t('field.pack_size')}
              rules={[...req('pack_size'), wholeAtLeastRule(t, t('field.pack_size'), 1)]}
            >
              <InputNumber data-testid="field-pack_size" style={{ width: '100%' }} />
            </Form.Item>
          </Col>
          <Col {...col}>
            <Form.Item
              name="inner_pack_size"
              label={t('field.inner_pack_size')}
              tooltip={t('proposal.innerPackHint')}
              dependencies={['pack_size']}
              rules={[wholeAtLeastRule(t, t('field.inner_pack_size'), 1), innerPackRule(t)]}
            >
              <InputNumber data-testid="field-inner_pack_size" style={{ width: '100%' }} placeholder="7" />
            </Form.Item>
          </Col>
          <Col {...col}>
            <Form.Item name="pack_unit" label={t('field.pack_unit')} rules={req('pack_unit')}>
              <Input data-testid="field-pack_unit" placeholder="盒" maxLength={10} />
            </Form.Item>
          </Col>
          <Col {...col}>
            <Form.Item
              name="unit_price"
              label={t('field.unit_price')}
              rules={[...req('unit_price'), { pattern: /^\d{1,12}(\.\d{1,4})?$/, message: t('proposal.pricePattern') }]}
            >
              <Input data-testid="field-unit_price" prefix="¥" placeholder="12.50" />
            </Form.Item>
          </Col>
        </Row>
      </Card>
      <Card size="small" title={t('proposal.sectionFlags')} style={{ marginBottom: 12 }}>
        <Row gutter={16}>
          <Col {...col}>
            <Form.Item name="level_scope" label={t('field.level_scope')} rules={req('level_scope')}>
              <Select options={options(t, 'enum.level', LEVELS)} data-testid="field-level_scope" />
            </Form.Item>
          </Col>
          <Col {...col}>
            <Form.Item name="insurance_class" label={t('field.insurance_class')} rules={req('insurance_class')}>
              <Select options={options(t, 'enum.insurance', INSURANCE)} />
            </Form.Item>
          </Col>
          <Col {...col}>
            <Form.Item name="special_class" label={t('field.special_class')} rules={req('special_class')}>
              <Select options={options(t, 'enum.special', SPECIAL)} />
            </Form.Item>
          </Col>
          <Col {...col}>
            <Form.Item name="antimicrobial_tier" label={t('field.antimicrobial_tier')} rules={req('antimicrobial_tier')}>
              <Select options={options(t, 'enum.antimicrobial', ANTIMICROBIAL)} />
            </Form.Item>
          </Col>
          <Col {...col}>
            <Form.Item name="storage" label={t('field.storage')} rules={req('storage')}>
              <Select options={options(t, 'enum.storage', STORAGE)} />
            </Form.Item>
          </Col>
          <Col {...col}>
            <Form.Item name="status" label={t('field.status')} rules={req('status')}>
              <Select options={options(t, 'enum.entryStatus', ENTRY_STATUS)} disabled={kind === 'add'} />
            </Form.Item>
          </Col>
        </Row>
        <Space size={28} wrap>
          {(
            [
              'essential_national',
              'essential_provincial',
              'vbp',
              'long_rx_eligible',
              'extended_rx_eligible',
            ] as const
          ).map((name) => (
            <Form.Item key={name} name={name} label={t(`field.${name}`)} valuePropName="checked" style={{ marginBottom: 8 }}>
              <Switch data-testid={`field-${name}`} />
            </Form.Item>
          ))}
        </Space>
      </Card>
    </>
  );

  const e = entry.data;

  return (
    <>
      <PageTitle title={title} />
      {e ? (
        <Card size="small" title={t('proposal.target')} style={{ marginBottom: 12 }}>
          <Descriptions
            size="small"
            column={{ xs: 1, md: 3 }}
            items={[
              {
                key: 'name',
                label: t('field.generic_name_zh'),
                children: (
                  <Link to={`/formulary/${e.id}`}>
                    {e.generic_name_zh} {e.strength}
                  </Link>
                ),
              },
              { key: 'pack', label: t('field.pack'), children: `${e.dosage_form} · ${formatPack(e)}` },
              { key: 'mfr', label: t('field.manufacturer'), children: e.manufacturer },
              { key: 'price', label: t('field.unit_price'), children: formatMoney(e.unit_price) },
              { key: 'status', label: t('field.status'), children: <EntryStatusTag status={e.status} /> },
              { key: 'flags', label: t('field.flags'), children: <EntryFlags entry={e} /> },
            ]}
          />
        </Card>
      ) : null}
      {kind === 'amend' ? <Alert type="info" showIcon style={{ marginBottom: 12 }} title={t('proposal.amendHint')} /> : null}
      {kind === 'suspend' ? <Alert type="warning" showIcon style={{ marginBottom: 12 }} title={t('proposal.suspendHint')} /> : null}
      {kind === 'withdraw' ? <Alert type="error" showIcon style={{ marginBottom: 12 }} title={t('proposal.withdrawHint')} /> : null}
      <Form<FormValues>
        form={form}
        layout="vertical"
        initialValues={initialValues}
        onFinish={onFinish}
        scrollToFirstError
        data-testid="proposal-form"
      >
        {editsFields ? drugSection : null}
        <Card size="small" title={t('proposal.sectionProposal')} style={{ marginBottom: 12 }}>
          {f5 ? (
            <Alert
              type="warning"
              showIcon
              data-testid="f5-warning"
              style={{ marginBottom: 12 }}
              title={t('proposal.f5Title')}
              description={
                <>
                  {warnings.map((w, i) => (
                    <div key={i}>
                      <strong>{w.rule}</strong>: {w.message}
                    </div>
                  ))}
                  <div style={{ marginTop: 4 }}>{t('proposal.f5Need')}</div>
                </>
              }
            />
          ) : null}
          <Row gutter={16}>
            <Col xs={24} md={16}>
              <Form.Item name="reason" label={t('proposal.reason')} rules={[{ required: true, whitespace: true, min: 2, message: t('proposal.reasonRequired') }]}>
                <Input.TextArea rows={2} maxLength={1000} showCount data-testid="field-reason" />
              </Form.Item>
            </Col>
            <Col xs={24} md={8}>
              <Form.Item
                name="effective_date"
                label={t('proposal.effectiveDate')}
                tooltip={t('proposal.effectiveHint')}
                rules={[{ required: true, message: t('proposal.effectiveRequired') }, effectiveDateRule(t)]}
              >
                <DatePicker format={DATE_FORMAT} style={{ width: '100%' }} data-testid="field-effective_date" />
              </Form.Item>
            </Col>
          </Row>
          <Form.Item
            name="justification"
            label={t('proposal.justification')}
            required={f5}
            rules={[{ required: f5, whitespace: true, min: f5 ? 2 : 0, message: t('proposal.justificationRequired') }]}
          >
            <Input.TextArea
              rows={3}
              maxLength={2000}
              placeholder={t('proposal.justificationPlaceholder')}
              data-testid="field-justification"
            />
          </Form.Item>
        </Card>
        <ErrorAlert error={mutation.error} />
        <Space>
          <Button type="primary" htmlType="submit" loading={mutation.isPending} data-testid="proposal-submit">
            {t('common.submit')}
          </Button>
          <Button onClick={() => navigate(-1)}>{t('common.cancel')}</Button>
        </Space>
      </Form>
    </>
  );
}
