/**
 * The two broker-side codes of controller mode (5.x): NOTIFY_BROKER_ROLE_CHANGED, pushed by the
 * controller leader (oneway) when it elects a master, and GET_BROKER_EPOCH_CACHE, asked by a
 * slave before it follows this master. Without enableControllerMode both answer
 * REQUEST_CODE_NOT_SUPPORTED.
 */
import { createResponse, type RequestHandler, ResponseCode } from '@rocketmq-ts/protocol';
import { ControllerCode } from '../controller/controller-protocol.ts';
import type { BrokerServices } from './services.ts';

const NOT_IN_CONTROLLER_MODE = 'this broker does not run in controller mode (enableControllerMode=false)';

export function controllerHandlers(services: BrokerServices): Map<number, RequestHandler> {
  return new Map<number, RequestHandler>([
    [
      ControllerCode.NOTIFY_BROKER_ROLE_CHANGED,
      (_ctx, request) => {
        const controller = services.controllerMode;
        if (!controller) return createResponse(request, ResponseCode.REQUEST_CODE_NOT_SUPPORTED, { remark: NOT_IN_CONTROLLER_MODE });
        controller.onRoleChangeNotified(request);
        return createResponse(request, ResponseCode.SUCCESS);
      },
    ],
    [
      ControllerCode.GET_BROKER_EPOCH_CACHE,
      (_ctx, request) => {
        const controller = services.controllerMode;
        if (!controller) return createResponse(request, ResponseCode.REQUEST_CODE_NOT_SUPPORTED, { remark: NOT_IN_CONTROLLER_MODE });
        return { ...createResponse(request, ResponseCode.SUCCESS), body: controller.epochCacheBody() };
      },
    ],
  ]);
}
