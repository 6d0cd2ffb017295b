/**
 * Which way money moves, from the transaction type Sage gives each payment (`transaction_type.id`), never from
 * an amount's sign (Sage's amounts are magnitudes). Ledger convention: positive = money into the business.
 *
 * | stream           | transaction_type.id | direction | kind    | why                                         |
 * | ---------------- | ------------------- | --------- | ------- | ------------------------------------------- |
 * | contact_payments | CUSTOMER_RECEIPT    | in  (+1)  | payment | a customer pays the business                |
 * | contact_payments | SUPPLIER_PAYMENT    | out (−1)  | payment | the business pays a supplier                |
 * | contact_payments | CUSTOMER_REFUND     | out (−1)  | refund  | the business pays a customer back           |
 * | contact_payments | SUPPLIER_REFUND     | in  (+1)  | refund  | a supplier pays the business back           |
 * | other_payments   | OTHER_RECEIPT       | in  (+1)  | payment | money in not tied to an invoice (a grant)   |
 * | other_payments   | OTHER_PAYMENT       | out (−1)  | payment | money out not tied to an invoice (rent)     |
 *
 * A type not in this table is not guessed: the object is skipped as invalid data (the run ends "partial" and
 * names it), so a new Sage type is noticed rather than counted the wrong way.
 */
import type { RecordKind } from '../../src/records.ts';

export interface Direction {
  readonly sign: 1 | -1;
  readonly kind: RecordKind;
}

export const CONTACT_PAYMENT_DIRECTIONS: Readonly<Record<string, Direction>> = {
  CUSTOMER_RECEIPT: { sign: 1, kind: 'payment' },
  SUPPLIER_PAYMENT: { sign: -1, kind: 'payment' },
  CUSTOMER_REFUND: { sign: -1, kind: 'refund' },
  SUPPLIER_REFUND: { sign: 1, kind: 'refund' },
};

export const OTHER_PAYMENT_DIRECTIONS: Readonly<Record<string, Direction>> = {
  OTHER_RECEIPT: { sign: 1, kind: 'payment' },
  OTHER_PAYMENT: { sign: -1, kind: 'payment' },
};
