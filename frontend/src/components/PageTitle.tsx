import type { ReactNode } from 'react';
import { Typography } from 'antd';

export default function PageTitle({ title, extra, sub }: { title: ReactNode; extra?: ReactNode; sub?: ReactNode }) {
  return (
    <div className="page-title">
      <div>
        <Typography.Title level={4}>{title}</Typography.Title>
        {sub ? <div className="muted">{sub}</div> : null}
      </div>
      {extra ? <div className="no-print">{extra}</div> : null}
    </div>
  );
}
