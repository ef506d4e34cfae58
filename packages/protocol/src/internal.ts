/** For tests and sibling packages only: codec pieces that are not part of the public surface. */
export { encodeJsonHeader, decodeJsonHeader } from './codec/json-header.ts';
export { encodeRocketMQHeader, decodeRocketMQHeader } from './codec/rocketmq-header.ts';
export { encodeCommandHeader, decodeFrameWithLength } from './codec/frame.ts';
