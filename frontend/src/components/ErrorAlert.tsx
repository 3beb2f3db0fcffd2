import { Alert, Button } from 'antd';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { ApiError } from '../api/problem';

/**
 * A field a refusal names (`fields.unit_price`, `contact_emails[1]`), as the form labels it
 * (单价); none when the app has no label for it (the message then stands alone).
 */
export function fieldLabel(t: TFunction, path: string): string | null {
  const name = path.split('.').pop()?.replace(/\[\d+\]$/, '') ?? '';
  for (const key of [`field.${name}`, `admin.${name}`, `proposal.${name}`]) {
    const label = t(key, { defaultValue: '' });
    if (label) return label;
  }
  return null;
}

/**
 * A refusal as the user should see it: the rule id in front ("F5: …"),
 * the server's detail, and any field messages as a list.
 */
export default function ErrorAlert({
  error,
  onRetry,
  style,
}: {
  error: unknown;
  onRetry?: () => void;
  style?: React.CSSProperties;
}) {
  const { t } = useTranslation();
  if (!error) return null;
  const apiErr = error instanceof ApiError ? error : null;
  // A conflict says what it is (changed by someone else, a code already used, …): the server's
  // words when it gave them.
  const title = apiErr
    ? apiErr.status === 409
      ? apiErr.detail || t('common.conflict')
      : apiErr.rule
        ? `${apiErr.rule}: ${apiErr.detail}`
        : apiErr.detail
    : error instanceof Error
      ? error.message
      : String(error);
  // Field messages the title already says are not repeated.
  const listed = (apiErr?.errors ?? []).filter(
    (e) => e.message !== apiErr?.detail && `${e.field}: ${e.message}` !== apiErr?.detail,
  );
  const line = (e: { field: string; message: string }) => {
    const label = e.field ? fieldLabel(t, e.field) : null;
    return label ? `${label}${t('common.colon')}${e.message}` : e.message;
  };
  const description =
    listed.length > 0 ? (
      <ul style={{ margin: 0, paddingLeft: 18 }}>
        {listed.map((e, i) => (
          <li key={i}>{line(e)}</li>
        ))}
      </ul>
    ) : undefined;
  return (
    <Alert
      type="error"
      showIcon
      data-testid="error-alert"
      style={{ marginBottom: 12, ...style }}
      title={title}
      description={description}
      action={
        onRetry ? (
          <Button size="small" onClick={onRetry}>
            {t('common.reload')}
          </Button>
        ) : undefined
      }
    />
  );
}
