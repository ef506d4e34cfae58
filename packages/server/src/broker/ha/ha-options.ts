/** Timing and sizes of the HA port (MessageStoreConfig names, 4.8 defaults in broker-config.ts). */
export interface HaTimings {
  /** haSendHeartbeatInterval: a report (slave) or an empty frame (master) at least this often, ms. */
  heartbeatIntervalMillis: number;
  /** haHousekeepingInterval: a connection with no reads this long is closed, ms. */
  housekeepingIntervalMillis: number;
  /** haTransferBatchSize: most bytes in one transfer frame. */
  transferBatchSize: number;
}
