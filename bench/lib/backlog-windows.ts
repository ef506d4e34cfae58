/**
 * Which of a Consumer's 10 s report windows measure reading a backlog: those after the first
 * (it holds the client's JVM start-up) that end before the backlog runs out. Once the backlog
 * is read, a window only shows what producers still add. When even the second window ran past
 * the end, the first is all there is.
 */
export function backlogWindows(windowTps: readonly number[], backlog: number): { from: number; to: number } {
  let consumed = (windowTps[0] ?? 0) * 10;
  let to = 1;
  for (const tps of windowTps.slice(1)) {
    consumed += tps * 10;
    // 5 % short of the end: the last queues finish a little before the others. A window with
    // nothing read means the end came sooner (the first window's count is the least exact).
    if (consumed > backlog * 0.95 || tps === 0) break;
    to++;
  }
  return to > 1 ? { from: 1, to } : { from: 0, to: Math.min(1, windowTps.length) };
}
