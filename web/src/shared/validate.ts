/**
 * The checks a page can make before sending, mirroring the gateway's (gateway/identity/): the
 * GB 11643 check character of 18-character IDs and the mainland mobile number. What only the
 * server can judge (a document already registered) comes back from the API.
 */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

function checkChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i]!;
  return '10X98765432'[sum % 11]!;
}

function validBirthDate(yyyymmdd: string): boolean {
  const [y, m, d] = [Number(yyyymmdd.slice(0, 4)), Number(yyyymmdd.slice(4, 6)), Number(yyyymmdd.slice(6, 8))];
  const date = new Date(Date.UTC(y, m - 1, d));
  return y >= 1900 && date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

const SIMPLE: Record<string, RegExp> = {
  hk_macau_permit: /^[HM]\d{8}(\d{2})?$/,
  taiwan_permit: /^(\d{8}|[0-9A-Z]{10})$/,
  passport: /^(E\d{8}|E[A-Z]\d{7}|[A-Z0-9]{5,17})$/,
  foreign_permanent_resident_id: /^([A-Z]{3}\d{12}|9\d{16}[\dX])$/,
};

/** The error code the gateway would give this number, or undefined when it looks right. */
export function documentProblem(type: string, raw: string): 'ERR_DOCUMENT_INVALID' | 'ERR_DOCUMENT_CHECKSUM' | undefined {
  const number = raw.trim().toUpperCase();
  if (type === 'resident_id' || type === 'hmt_residence_permit') {
    if (!/^\d{17}[\dX]$/.test(number)) return 'ERR_DOCUMENT_INVALID';
    const region = number.slice(0, 6);
    const regionOk = type === 'resident_id' ? Number(region.slice(0, 2)) >= 11 && Number(region.slice(0, 2)) <= 65 : ['810000', '820000', '830000'].includes(region);
    if (!regionOk || !validBirthDate(number.slice(6, 14))) return 'ERR_DOCUMENT_INVALID';
    return checkChar(number) === number[17] ? undefined : 'ERR_DOCUMENT_CHECKSUM';
  }
  const pattern = SIMPLE[type];
  if (pattern && !pattern.test(number)) return 'ERR_DOCUMENT_INVALID';
  if (type === 'foreign_permanent_resident_id' && number.length === 18 && checkChar(number) !== number[17]) return 'ERR_DOCUMENT_CHECKSUM';
  return undefined;
}

export function phoneProblem(raw: string): 'ERR_PHONE_INVALID' | 'ERR_PHONE_FOREIGN' | undefined {
  const compact = raw.replace(/[\s-]/g, '');
  if (/^1[3-9]\d{9}$/.test(compact.replace(/^(\+86|0086)/, ''))) return undefined;
  if (!/^(\+86|0086)/.test(compact) && /^(\+|00)\d{6,15}$/.test(compact)) return 'ERR_PHONE_FOREIGN';
  return 'ERR_PHONE_INVALID';
}
