import { Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import type { Entry } from '../api/types';

type FlagSource = Pick<
  Entry,
  'essential_national' | 'essential_provincial' | 'vbp' | 'insurance_class' | 'special_class' | 'antimicrobial_tier' | 'storage'
>;

/** The small tags a pharmacist scans a row for. Special management is red on purpose. */
export default function EntryFlags({ entry }: { entry: FlagSource }) {
  const { t } = useTranslation();
  const tags: { key: string; color: string; text: string }[] = [];
  if (entry.essential_national) tags.push({ key: 'ess', color: 'green', text: t('flag.essential') });
  if (entry.essential_provincial) tags.push({ key: 'prov', color: 'cyan', text: t('flag.provincial') });
  if (entry.vbp) tags.push({ key: 'vbp', color: 'blue', text: t('flag.vbp') });
  if (entry.insurance_class && entry.insurance_class !== 'none')
    tags.push({ key: 'ins', color: 'geekblue', text: t(`enum.insuranceShort.${entry.insurance_class}`) });
  if (entry.special_class && entry.special_class !== 'none')
    tags.push({ key: 'sp', color: 'red', text: t(`enum.special.${entry.special_class}`) });
  if (entry.antimicrobial_tier && entry.antimicrobial_tier !== 'none')
    tags.push({
      key: 'am',
      color: entry.antimicrobial_tier === 'special' ? 'volcano' : entry.antimicrobial_tier === 'restricted' ? 'orange' : 'gold',
      text: t(`enum.antimicrobial.${entry.antimicrobial_tier}`),
    });
  if (entry.storage === 'cold_chain') tags.push({ key: 'cold', color: 'purple', text: t('flag.coldChain') });
  return (
    <span style={{ display: 'inline-flex', flexWrap: 'wrap', gap: 2 }}>
      {tags.map((tag) => (
        <Tag key={tag.key} color={tag.color} style={{ marginInlineEnd: 0, fontSize: 11, lineHeight: '18px', paddingInline: 4 }}>
          {tag.text}
        </Tag>
      ))}
    </span>
  );
}
