/**
 * Parking a timer message (RocketMQ 5.x HookUtils.handleScheduleMessage): a non-transactional
 * message with TIMER_DELAY_SEC, TIMER_DELAY_MS (relative) or TIMER_DELIVER_MS (epoch ms) goes
 * to rmq_sys_wheel_timer queue 0 with TIMER_OUT_MS = its deliver time and REAL_TOPIC /
 * REAL_QID = where it was sent; TimerMessageService puts it back there when due.
 *
 * As in 5.x: a DELAY level wins (the TIMER_* properties are dropped); a deliver time not in
 * the future stores the message normally; a delay beyond timerMaxDelaySec, or a value that is
 * not a number, is refused with MESSAGE_ILLEGAL; timerWheelEnable=false refuses timer messages
 * with SYSTEM_ERROR. Unlike 5.x, TIMER_OUT_MS is the exact deliver time: 5.x rounds it down to
 * timerPrecisionMs and delivers within one precision after the requested time; we deliver at
 * the requested millisecond.
 */
import { MessageConst, type MessageProperties, MessageSysFlag, ResponseCode, transactionType } from '@rocketmq-ts/protocol';
import { type MessageToStore, TIMER_TOPIC } from '@rocketmq-ts/store';

export interface TimerSettings {
  timerWheelEnable: boolean;
  timerMaxDelaySec: number;
}

export interface TimerRejection {
  code: number;
  remark: string;
}

function isTimerMessage(message: MessageToStore, properties: MessageProperties): boolean {
  if (message.topic === TIMER_TOPIC || properties[MessageConst.TIMER_OUT_MS] !== undefined) return false;
  return (
    properties[MessageConst.TIMER_DELIVER_MS] !== undefined || properties[MessageConst.TIMER_DELAY_MS] !== undefined || properties[MessageConst.TIMER_DELAY_SEC] !== undefined
  );
}

/** Java's Long.parseLong: optional sign and decimal digits only. */
function parseLong(text: string): number | undefined {
  if (!/^[+-]?\d{1,19}$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** The requested deliver time, or undefined when a property is not a number. */
export function requestedDeliverMs(properties: MessageProperties, now: number): number | undefined {
  const sec = properties[MessageConst.TIMER_DELAY_SEC];
  if (sec !== undefined) {
    const value = parseLong(sec);
    return value === undefined ? undefined : now + value * 1000;
  }
  const ms = properties[MessageConst.TIMER_DELAY_MS];
  if (ms !== undefined) {
    const value = parseLong(ms);
    return value === undefined ? undefined : now + value;
  }
  return parseLong(properties[MessageConst.TIMER_DELIVER_MS] ?? '');
}

/** Rewrites a timer message to wait in rmq_sys_wheel_timer; returns why it is refused, if it is. */
export function applyTimer(settings: TimerSettings, message: MessageToStore, properties: MessageProperties, now: number): TimerRejection | undefined {
  const txType = transactionType(message.sysFlag);
  if (txType !== MessageSysFlag.TRANSACTION_NOT_TYPE && txType !== MessageSysFlag.TRANSACTION_COMMIT_TYPE) return undefined;
  const level = Number.parseInt(properties[MessageConst.DELAY_TIME_LEVEL] ?? '0', 10);
  if (level > 0) {
    delete properties[MessageConst.TIMER_DELIVER_MS];
    delete properties[MessageConst.TIMER_DELAY_SEC];
    delete properties[MessageConst.TIMER_DELAY_MS];
    return undefined;
  }
  if (!isTimerMessage(message, properties)) return undefined;
  if (!settings.timerWheelEnable) {
    return { code: ResponseCode.SYSTEM_ERROR, remark: 'accurate timer message is not enabled, timerWheelEnable is false; set timerWheelEnable=true in broker.conf' };
  }
  const deliverMs = requestedDeliverMs(properties, now);
  const maxDelayMs = settings.timerMaxDelaySec * 1000;
  if (deliverMs === undefined) {
    return {
      code: ResponseCode.MESSAGE_ILLEGAL,
      remark: `timer message illegal: ${MessageConst.TIMER_DELAY_SEC}, ${MessageConst.TIMER_DELAY_MS} or ${MessageConst.TIMER_DELIVER_MS} is not a whole number`,
    };
  }
  if (deliverMs <= now) return undefined;
  if (deliverMs - now > maxDelayMs) {
    return {
      code: ResponseCode.MESSAGE_ILLEGAL,
      remark: `timer message illegal, the delay time should not be bigger than the max delay ${maxDelayMs}ms (timerMaxDelaySec=${settings.timerMaxDelaySec} in broker.conf)`,
    };
  }
  properties[MessageConst.TIMER_OUT_MS] = String(deliverMs);
  properties[MessageConst.REAL_TOPIC] = message.topic;
  properties[MessageConst.REAL_QUEUE_ID] = String(message.queueId);
  message.topic = TIMER_TOPIC;
  message.queueId = 0;
  return undefined;
}
