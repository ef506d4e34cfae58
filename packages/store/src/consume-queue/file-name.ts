/**
 * Segment file names: the segment's first byte offset, zero-padded to 20 decimal digits
 * (UtilAll.offset2FileName), e.g. `00000000000006000000`.
 */
const FILE_NAME = /^\d{20}$/;

export function offsetToFileName(offset: number): string {
  return String(offset).padStart(20, '0');
}

/** The offset a segment file name stands for, or undefined for any other name. */
export function fileNameToOffset(name: string): number | undefined {
  if (!FILE_NAME.test(name)) return undefined;
  const offset = Number(name);
  return Number.isSafeInteger(offset) ? offset : undefined;
}
