import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { maskAccountNumbers } from '../../src/security/mask.ts';

function masks(input: string, expected: string): void {
  assert.equal(maskAccountNumbers(input), expected, JSON.stringify(input));
}

function keeps(input: string): void {
  assert.equal(maskAccountNumbers(input), input, JSON.stringify(input));
}

describe('maskAccountNumbers', () => {
  test('card numbers with spaces, hyphens or none are reduced to their last 4', () => {
    masks('4242 4242 4242 4242', '••••4242');
    masks('4242-4242-4242-4242', '••••4242');
    masks('4242424242424242', '••••4242');
    masks('4000 0566 5566 5556', '••••5556');
    masks('378282246310005', '••••0005'); // a 15-digit Amex, continuous
    masks('6011 1111 1111 1117 123', '••••7123'); // a 19-digit card printed 4-4-4-4-3
  });

  test('a card in a sentence keeps the words around it', () => {
    masks(
      'Your card 4242 4242 4242 4242 was declined (code card_declined).',
      'Your card ••••4242 was declined (code card_declined).',
    );
    masks('card=4242-4242-4242-4242; retry later', 'card=••••4242; retry later');
  });

  test('an Amex number as printed (4-6-5) is masked', () => {
    masks('card 3782 822463 10005 declined', 'card ••••0005 declined');
  });

  test('account numbers of 8 or more digits are reduced to their last 4', () => {
    masks('000123456789', '••••6789');
    masks('12345678', '••••5678');
    masks('account 000123456789 is closed', 'account ••••6789 is closed');
    masks('acct=000123456789', 'acct=••••6789');
    masks('account 0001 2345 6789 is closed', 'account ••••6789 is closed'); // printed in groups of four
  });

  test('IBANs with and without spaces are reduced to their last 4', () => {
    masks('DE89 3704 0044 0532 0130 00', '••••3000');
    masks('DE89370400440532013000', '••••3000');
    masks('GB82 WEST 1234 5698 7654 32', '••••5432');
    masks('GB82WEST12345698765432', '••••5432');
    masks('NL91ABNA0417164300', '••••4300');
    masks('IBAN DE89 3704 0044 0532 0130 00 was rejected', 'IBAN ••••3000 was rejected');
  });

  test('an IBAN followed by an upper-case word keeps that word and shows the IBAN’s own last 4', () => {
    masks('IBAN DE89 3704 0044 0532 0130 00 BIC COBADEFFXXX', 'IBAN ••••3000 BIC COBADEFFXXX');
  });

  test('several numbers in one message are each masked and none survives in full', () => {
    const input = 'card 4242 4242 4242 4242, account 000123456789, IBAN DE89 3704 0044 0532 0130 00.';
    const output = maskAccountNumbers(input);
    assert.equal(output, 'card ••••4242, account ••••6789, IBAN ••••3000.');
    assert.doesNotMatch(output, /\d{5,}/);
  });

  test('dates, times, short numbers, amounts and provider ids stay readable', () => {
    keeps('2026-03-08');
    keeps('2026-03-08T09:00:00Z');
    keeps('2026-03-08 09:00 UTC');
    keeps('09:00');
    keeps('23:59:59');
    keeps('order 1234567');
    keeps('12,345.67');
    keeps('1,234,567.89');
    keeps('EUR 12345.67');
    keeps('HTTP 503 Service Unavailable');
    keeps('req_123456789');
    keeps('request req_123456789 failed');
    keeps('ch_3MmlLrLkdIwHu7ix0snN0B15');
    keeps('Run failed on 2026-03-08 at 09:00:00 for order 1234567 (12,345.67 EUR), request req_123456789');
  });

  test('text without numbers is returned unchanged', () => {
    keeps('');
    keeps('Authentication failed: invalid API key');
  });
});
