import { timestamp, uuid } from 'drizzle-orm/pg-core';
import { v7 as uuidv7 } from 'uuid';

/** Time-ordered ids keep primary-key inserts at the right edge of the index. */
export const newId = () => uuidv7();

export const id = () => uuid().notNull().$defaultFn(newId);
export const tenantId = () => uuid().notNull();
/**
 * Times are kept to the millisecond, the precision of a JavaScript Date: a keyset cursor built from
 * a row's time then compares equal to the row itself. With PostgreSQL's default microseconds, the
 * cursor fell before its own row and a page skipped the rows of that millisecond (decision 0024).
 */
const time = () => timestamp({ withTimezone: true, precision: 3 });

export const createdAt = () => time().notNull().defaultNow();
export const updatedAt = () =>
  time()
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date());
export const tstz = () => time();
