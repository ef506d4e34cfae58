/**
 * ACL 1.0 permission bits and words (Apache 4.x acl/common/Permission): DENY 1, ANY 2 (a
 * needed value meaning PUB or SUB), PUB 4, SUB 8. A word that is not one of the known ones
 * reads as DENY, as in Apache.
 */
import { RequestCode } from '@rocketmq-ts/protocol';

export const Perm = { DENY: 1, ANY: 2, PUB: 4, SUB: 8 } as const;

export function parsePerm(word: string | undefined | null): number {
  switch ((word ?? '').trim().toUpperCase()) {
    case 'PUB':
      return Perm.PUB;
    case 'SUB':
      return Perm.SUB;
    case 'PUB|SUB':
    case 'SUB|PUB':
      return Perm.PUB | Perm.SUB;
    default:
      return Perm.DENY;
  }
}

export function permWord(perm: number): string {
  if ((perm & Perm.DENY) !== 0) return 'DENY';
  if ((perm & Perm.PUB) !== 0 && (perm & Perm.SUB) !== 0) return 'PUB|SUB';
  if ((perm & Perm.PUB) !== 0) return 'PUB';
  if ((perm & Perm.SUB) !== 0) return 'SUB';
  return 'DENY';
}

/** Permission.checkPermission: a DENY bit always fails; ANY is satisfied by PUB or SUB. */
export function checkPermission(needed: number, owned: number): boolean {
  if ((owned & Perm.DENY) !== 0) return false;
  if ((needed & Perm.ANY) !== 0) return (owned & (Perm.PUB | Perm.SUB)) !== 0;
  return (needed & owned) !== 0;
}

/**
 * Codes only an admin account may send. Apache 4.8 lists the first five; the ACL admin codes
 * that change accounts or return secret keys are added here on purpose (in 4.8 any signed
 * account could rewrite the ACL file).
 */
export const ADMIN_ONLY_CODES: ReadonlySet<number> = new Set<number>([
  RequestCode.UPDATE_AND_CREATE_TOPIC,
  RequestCode.UPDATE_BROKER_CONFIG,
  RequestCode.DELETE_TOPIC_IN_BROKER,
  RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP,
  RequestCode.DELETE_SUBSCRIPTIONGROUP,
  RequestCode.UPDATE_AND_CREATE_ACL_CONFIG,
  RequestCode.DELETE_ACL_CONFIG,
  RequestCode.UPDATE_GLOBAL_WHITE_ADDRS_CONFIG,
  RequestCode.GET_BROKER_CLUSTER_ACL_CONFIG,
]);
