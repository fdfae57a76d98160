/**
 * Check digits that turn "looks like a number" into "is one": Luhn for payment cards, ISO 13616 mod-97
 * for IBANs, the Spanish DNI/NIE check letter, and the US SSN allocation rules. A random digit string
 * passes Luhn one time in ten and mod-97 one time in 97, which is what keeps order numbers, invoice ids and
 * timestamps out of PII reports.
 */

/** Luhn (mod 10) over a string of ASCII digits. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/** Card brands by issuer prefix (IIN) and the lengths each issues. */
const CARD_BRANDS: readonly { brand: string; test: (d: string) => boolean; lengths: readonly number[] }[] = [
  { brand: 'visa', test: (d) => d.startsWith('4'), lengths: [13, 16, 19] },
  {
    brand: 'mastercard',
    test: (d) => {
      const two = Number(d.slice(0, 2));
      const four = Number(d.slice(0, 4));
      return (two >= 51 && two <= 55) || (four >= 2221 && four <= 2720);
    },
    lengths: [16],
  },
  { brand: 'amex', test: (d) => d.startsWith('34') || d.startsWith('37'), lengths: [15] },
  {
    brand: 'discover',
    test: (d) => {
      const three = Number(d.slice(0, 3));
      return d.startsWith('6011') || d.startsWith('65') || (three >= 644 && three <= 649);
    },
    lengths: [16, 17, 18, 19],
  },
  {
    brand: 'diners',
    test: (d) => {
      const three = Number(d.slice(0, 3));
      return (three >= 300 && three <= 305) || d.startsWith('36') || d.startsWith('38') || d.startsWith('39');
    },
    lengths: [14, 15, 16, 17, 18, 19],
  },
  {
    brand: 'jcb',
    test: (d) => {
      const four = Number(d.slice(0, 4));
      return four >= 3528 && four <= 3589;
    },
    lengths: [16, 17, 18, 19],
  },
  { brand: 'unionpay', test: (d) => d.startsWith('62'), lengths: [16, 17, 18, 19] },
  {
    brand: 'maestro',
    test: (d) => /^(?:50|5[6-8]|6[37])/.test(d),
    lengths: [12, 13, 14, 15, 16, 17, 18, 19],
  },
];

/** The card brand of a digit string with a known issuer prefix and length, or undefined. */
export function cardBrand(digits: string): string | undefined {
  for (const b of CARD_BRANDS) if (b.test(digits) && b.lengths.includes(digits.length)) return b.brand;
  return undefined;
}

/** IBAN length per country (ISO 13616 registry). */
// biome-ignore format: a compact table reads better than one country per line
export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29, BY: 28, CH: 21,
  CR: 22, CY: 28, CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FK: 18, FO: 18,
  FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26,
  IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20, LV: 21, LY: 25, MC: 27, MD: 24,
  ME: 22, MK: 19, MN: 20, MR: 27, MT: 31, MU: 30, NI: 28, NL: 18, NO: 15, OM: 23, PK: 24, PL: 28, PS: 29,
  PT: 25, QA: 29, RO: 24, RS: 22, RU: 33, SA: 24, SC: 31, SD: 18, SE: 24, SI: 19, SK: 24, SM: 27, SO: 23,
  ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29, VA: 22, VG: 24, XK: 20, YE: 30,
};

/** ISO 7064 mod 97-10 over an IBAN (upper-case letters and digits, no spaces): valid when it leaves 1. */
export function ibanValid(iban: string): boolean {
  const expected = IBAN_LENGTHS[iban.slice(0, 2)];
  if (expected === undefined || iban.length !== expected || !/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(iban))
    return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let rem = 0;
  for (let i = 0; i < rearranged.length; i++) {
    const c = rearranged.charCodeAt(i);
    // Letters count as two digits (A = 10 … Z = 35).
    if (c >= 65) rem = (rem * 100 + (c - 55)) % 97;
    else rem = (rem * 10 + (c - 48)) % 97;
  }
  return rem === 1;
}

const DNI_LETTERS = 'TRWAGMYFPDXBNJZSQVHLCKE';

/** Spanish DNI (8 digits + letter) or NIE (X/Y/Z + 7 digits + letter): the letter is number mod 23. */
export function spanishIdValid(id: string): boolean {
  const m = /^([XYZ]?)(\d{7,8})([A-Z])$/.exec(id);
  if (!m) return false;
  const [, prefix = '', digits = '', letter] = m;
  if (prefix === '' ? digits.length !== 8 : digits.length !== 7) return false;
  const n = Number(`${prefix === '' ? '' : 'XYZ'.indexOf(prefix)}${digits}`);
  return DNI_LETTERS[n % 23] === letter;
}

/**
 * US Social Security Number allocation rules: area 001–899 except 666, group 01–99, serial 0001–9999;
 * the numbers published in advertising (078-05-1120, 219-09-9999) and 123-45-6789 are not real.
 */
export function ssnValid(area: string, group: string, serial: string): boolean {
  const a = Number(area);
  if (a === 0 || a === 666 || a >= 900) return false;
  if (Number(group) === 0 || Number(serial) === 0) return false;
  const whole = `${area}${group}${serial}`;
  return whole !== '078051120' && whole !== '219099999' && whole !== '123456789';
}

/** UK National Insurance number prefixes never issued. */
const NI_BAD_PREFIXES = new Set(['BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ']);

/** UK NI number: two letters (no D, F, I, Q, U, V; second not O), six digits, suffix A–D. */
export function ukNinoValid(nino: string): boolean {
  const m = /^([A-CEGHJ-PR-TW-Z])([A-CEGHJ-NPR-TW-Z])\d{6}[A-D]$/.exec(nino);
  return m !== null && !NI_BAD_PREFIXES.has(`${m[1]}${m[2]}`);
}
