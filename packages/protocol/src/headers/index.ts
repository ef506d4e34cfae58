export * from './field-table.ts';
export * from './send.ts';
export * from './pull.ts';
export * from './offset.ts';
export * from './transaction.ts';
export * from './namesrv.ts';
export * from './client.ts';
export * from './query.ts';
export * from './admin.ts';

import * as admin from './admin.ts';
import * as client from './client.ts';
import type { HeaderTable } from './field-table.ts';
import * as namesrv from './namesrv.ts';
import * as offset from './offset.ts';
import * as pull from './pull.ts';
import * as query from './query.ts';
import * as send from './send.ts';
import * as transaction from './transaction.ts';

function isHeaderTable(value: unknown): value is HeaderTable {
  return typeof value === 'object' && value !== null && 'fields' in value && 'name' in value;
}

/** Every header table by its Java class name. */
export const headerTables: ReadonlyMap<string, HeaderTable> = new Map(
  [send, pull, offset, transaction, namesrv, client, query, admin]
    .flatMap((module) => Object.values(module))
    .filter(isHeaderTable)
    .map((table) => [table.name, table]),
);
