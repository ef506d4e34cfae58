/**
 * Parsers for the periodic report lines of RocketMQ's benchmark programs
 * (org.apache.rocketmq.example.benchmark, 4.9.x). Each prints one line every 10 s, figures over
 * the last 10 s (snapshots taken every second):
 *
 *   Producer: Current Time: <t> Send TPS: <n> Max RT(ms): <n> Average RT(ms): <f> Send Failed: <n> Response Failed: <n>
 *   Consumer: Current Time: <t> TPS: <n> FAIL: <n> AVG(B2C) RT(ms): <f> AVG(S2C) RT(ms): <f> MAX(B2C) RT(ms): <n> MAX(S2C) RT(ms): <n>
 *
 * Max RT is the maximum since the producer started, not per window. B2C = born (producer
 * timestamp) to consume: the end-to-end latency; S2C = stored to consume.
 */

export interface ProducerReport {
  sendTps: number;
  maxRtMillis: number;
  avgRtMillis: number;
  sendFailed: number;
  responseFailed: number;
}

export interface ConsumerReport {
  tps: number;
  failed: number;
  avgB2CMillis: number;
  avgS2CMillis: number;
  maxB2CMillis: number;
  maxS2CMillis: number;
}

const NUMBER = '(-?[0-9]+(?:\\.[0-9]+)?|NaN)';
const PRODUCER = new RegExp(
  `Send TPS: ${NUMBER} Max RT\\(ms\\): ${NUMBER} Average RT\\(ms\\):\\s*${NUMBER} Send Failed: ${NUMBER} Response Failed: ${NUMBER}`,
);
const CONSUMER = new RegExp(
  `\\bTPS: ${NUMBER} FAIL: ${NUMBER} AVG\\(B2C\\) RT\\(ms\\):\\s*${NUMBER} AVG\\(S2C\\) RT\\(ms\\):\\s*${NUMBER} MAX\\(B2C\\) RT\\(ms\\): ${NUMBER} MAX\\(S2C\\) RT\\(ms\\): ${NUMBER}`,
);

function numbers(match: RegExpExecArray): number[] {
  return match.slice(1).map((text) => (text === 'NaN' ? Number.NaN : Number(text)));
}

/** The figures of one Producer report line ("Current Time:" or "[Complete]"), or null for any other line. */
export function parseProducerLine(line: string): ProducerReport | null {
  const match = PRODUCER.exec(line);
  if (!match) return null;
  const [sendTps, maxRtMillis, avgRtMillis, sendFailed, responseFailed] = numbers(match) as [number, number, number, number, number];
  return { sendTps, maxRtMillis, avgRtMillis, sendFailed, responseFailed };
}

/** The figures of one Consumer report line, or null for any other line. */
export function parseConsumerLine(line: string): ConsumerReport | null {
  if (line.includes('Send TPS')) return null;
  const match = CONSUMER.exec(line);
  if (!match) return null;
  const [tps, failed, avgB2CMillis, avgS2CMillis, maxB2CMillis, maxS2CMillis] = numbers(match) as [number, number, number, number, number, number];
  return { tps, failed, avgB2CMillis, avgS2CMillis, maxB2CMillis, maxS2CMillis };
}
