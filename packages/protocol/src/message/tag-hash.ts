import { javaStringHash } from '../codec/java-hash.ts';

/**
 * tagsCode of a message: Java String#hashCode of its TAGS property, 0 without a tag
 * (MessageExtBrokerInner.tagsString2tagsCode). Stored sign-extended in the consume queue.
 */
export function tagsCode(tags: string | undefined): number {
  return tags ? javaStringHash(tags) : 0;
}
