/** RemotingCommand flag bits (RemotingCommand.RPC_TYPE, RPC_ONEWAY). */
export const CommandFlag = {
  RESPONSE: 0b01,
  ONEWAY: 0b10,
} as const;

/** Frame serialize types: the high byte of the header-length int. */
export const SerializeType = {
  JSON: 0,
  ROCKETMQ: 1,
} as const;
export type SerializeTypeValue = (typeof SerializeType)[keyof typeof SerializeType];

/** MQVersion ordinals that change behaviour on the other side (remoting-protocol.md §3.4). */
export const MQVersion = {
  V3_0_7_SNAPSHOT: 28,
  V3_0_11: 37,
  V3_1_8_SNAPSHOT: 62,
  V3_4_9: 121,
  V4_1_0_SNAPSHOT: 232,
  V4_5_2: 317,
  V4_8_0: 373,
  CURRENT: 373,
} as const;
