import { Tag } from 'antd';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import type { ProductBrief } from '../../api/stockList';

/**
 * A product as stock lists show it: the Chinese name and strength on the first line (a link when
 * `to` is given; a cold-chain mark when it needs one), the dosage form and manufacturer below.
 */
export default function ProductCell({ product, to }: { product: ProductBrief; to?: string }) {
  const { t } = useTranslation();
  const name = (
    <>
      <span style={{ fontWeight: 600 }} data-testid="product-name">
        {product.name_zh}
      </span>
      {product.strength ? <span style={{ marginInlineStart: 6 }}>{product.strength}</span> : null}
    </>
  );
  const below = [product.dosage_form, product.manufacturer].filter((s) => s && s.trim()).join(' · ');
  return (
    <div style={{ minWidth: 0 }} title={product.name_en || undefined}>
      <div>
        {to ? <Link to={to}>{name}</Link> : name}
        {product.cold_chain ? (
          <Tag color="purple" style={{ marginInlineStart: 6 }} data-testid="cold-chain">
            {t('stock.list.coldChain')}
          </Tag>
        ) : null}
      </div>
      {below ? <div className="muted">{below}</div> : null}
    </div>
  );
}
