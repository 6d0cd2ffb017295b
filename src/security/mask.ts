/**
 * Account numbers out of provider text: a provider's error may quote an IBAN or a card or account number,
 * and an alert must show at most its last 4 characters. Applied on top of secret redaction (log.ts), which
 * removes the credentials finsync knows about; this catches the numbers it does not know.
 */

/** IBANs: two letters, two check digits, then 11–30 letters and digits, written whole or in groups of 4. */
const IBAN = /\b[A-Z]{2}\d{2}(?:[A-Z0-9]{11,30}|(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,4})?)\b/g;
/** 8 or more digits in a row (account and card numbers written whole). */
const DIGITS = /\b\d{8,}\b/g;
/**
 * Digits printed in groups (cards as 4-4-4-4 or Amex 4-6-5, accounts with hyphens): masked when the groups
 * hold 12 digits or more, so dates such as 2026-03-08 and phone numbers stay readable.
 */
const GROUPED = /\b\d{2,}(?:[ -]\d{2,})+\b/g;

export function maskAccountNumbers(text: string): string {
  return text
    .replace(IBAN, lastFour)
    .replace(GROUPED, (match) => (match.replace(/[ -]/g, '').length >= 12 ? lastFour(match) : match))
    .replace(DIGITS, lastFour);
}

function lastFour(match: string): string {
  const plain = match.replace(/[ -]/g, '');
  return `••••${plain.slice(-4)}`;
}
