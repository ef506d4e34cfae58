/**
 * MQVersion.getVersionDesc: the release name of a client or broker version ordinal. From
 * V4_0_0_SNAPSHOT (212) on, the enum lists every x.y.z (z 0..9) as a SNAPSHOT followed by the
 * release, so the name follows from the ordinal; V4_8_0 = 373.
 */
const V4_0_0_SNAPSHOT = 212;

export function versionDesc(ordinal: number): string {
  if (!Number.isInteger(ordinal) || ordinal < V4_0_0_SNAPSHOT) return ordinal >= 0 ? `V3_or_older(${ordinal})` : 'UNKNOWN';
  const step = ordinal - V4_0_0_SNAPSHOT;
  const index = Math.floor(step / 2);
  const major = 4 + Math.floor(index / 100);
  const minor = Math.floor(index / 10) % 10;
  const patch = index % 10;
  return `V${major}_${minor}_${patch}${step % 2 === 0 ? '_SNAPSHOT' : ''}`;
}
