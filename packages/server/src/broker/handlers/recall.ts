/**
 * RECALL_MESSAGE (5.3+, RecallMessageProcessor): cancels a timer message before it is due by
 * storing a recall marker (schedule/recall.ts). The v5 RecallMessage RPC goes through here too.
 * As Apache, it answers SUCCESS once the marker is stored, whether or not the message is still
 * waiting: a marker for a message already delivered changes nothing.
 */
import {
  createResponse,
  decodeHeader,
  encodeHeader,
  encodeProperties,
  isWriteable,
  parseHost,
  RecallMessageRequestHeader,
  RecallMessageResponseHeader,
  type RemotingCommand,
  RequestCode,
  type RequestHandler,
  ResponseCode,
} from '@rocketmq-ts/protocol';
import { checkRecall, recallMarker } from '../schedule/recall.ts';
import { type BrokerServices, recordPutLatency } from './services.ts';

const STORED = new Set(['PUT_OK', 'FLUSH_DISK_TIMEOUT', 'FLUSH_SLAVE_TIMEOUT', 'SLAVE_NOT_AVAILABLE']);

export function recallHandlers(services: BrokerServices): Map<number, RequestHandler> {
  const { config } = services;
  const refuse = (request: RemotingCommand, code: number, remark: string): RemotingCommand => createResponse(request, code, { remark });
  return new Map<number, RequestHandler>([
    [
      RequestCode.RECALL_MESSAGE,
      async (ctx, request) => {
        if (!config.recallMessageEnable) {
          return refuse(request, ResponseCode.NO_PERMISSION, `recall failed, operation is forbidden on broker ${config.brokerName}: set recallMessageEnable=true in broker.conf (off by default, as Apache)`);
        }
        if (config.brokerRole === 'SLAVE') {
          return refuse(request, ResponseCode.SLAVE_NOT_AVAILABLE, `recall failed: broker ${config.brokerName} (brokerId ${config.brokerId}) is a SLAVE; send the recall to its master`);
        }
        if (!isWriteable(config.brokerPermission) && !config.allowRecallWhenBrokerNotWriteable) {
          return refuse(request, ResponseCode.SERVICE_NOT_AVAILABLE, `recall failed: broker ${config.brokerName} is not writeable (brokerPermission=${config.brokerPermission}) and allowRecallWhenBrokerNotWriteable=false`);
        }
        const header = decodeHeader(RecallMessageRequestHeader, request.extFields);
        if (!services.topics.get(header.topic)) return refuse(request, ResponseCode.TOPIC_NOT_EXIST, `recall failed, the topic[${header.topic}] not exist`);
        const now = Date.now();
        const settings = { brokerName: config.brokerName, timerWheelEnable: config.timerWheelEnable, timerMaxDelaySec: config.timerMaxDelaySec };
        const handle = checkRecall(settings, header.topic, header.recallHandle, now);
        if ('code' in handle) return refuse(request, handle.code, handle.remark);
        const marker = recallMarker(settings, handle, header.producerGroup, { bornHost: parseHost(ctx.remoteAddress), storeHost: services.storeHost }, now);
        marker.propertiesText = encodeProperties(marker.properties ?? {}, { order: 'java-hash' });
        const started = performance.now();
        const stored = await services.store.putMessage(marker);
        recordPutLatency(services.stats, Math.round(performance.now() - started));
        if (!STORED.has(stored.status)) return refuse(request, ResponseCode.SYSTEM_ERROR, `recall failed, the marker was not stored: ${stored.status} ${stored.remark ?? ''}`.trim());
        return createResponse(request, ResponseCode.SUCCESS, { extFields: encodeHeader(RecallMessageResponseHeader, { msgId: handle.messageId }) });
      },
    ],
  ]);
}
