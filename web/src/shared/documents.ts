import { t } from './i18n.js';

/** The six document types of schemas/document.schema.json, in the order the pages offer them. */
const DOCUMENT_TYPES = ['resident_id', 'hmt_residence_permit', 'hk_macau_permit', 'taiwan_permit', 'passport', 'foreign_permanent_resident_id'];

/** Fills a 证件类型 select (both pages have one); names follow the language (data-i18n). */
export function fillDocumentTypes(select: HTMLSelectElement): void {
  select.replaceChildren(
    ...DOCUMENT_TYPES.map((type) => {
      const option = document.createElement('option');
      option.value = type;
      option.dataset['i18n'] = `doc_${type}`;
      option.textContent = t(`doc_${type}`);
      return option;
    }),
  );
}
