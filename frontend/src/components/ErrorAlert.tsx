import { Alert, Button } from 'antd';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/problem';

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
  const title = apiErr
    ? apiErr.status === 409
      ? t('common.conflict')
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
  const description =
    listed.length > 0 ? (
      <ul style={{ margin: 0, paddingLeft: 18 }}>
        {listed.map((e, i) => (
          <li key={i}>{e.field ? `${e.field}: ${e.message}` : e.message}</li>
        ))}
      </ul>
    ) : apiErr?.status === 409 && apiErr.detail !== title ? (
      apiErr.detail
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
