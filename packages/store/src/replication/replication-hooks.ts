/**
 * The two hooks replication needs from the store (DESIGN.md: the store opens no socket; the
 * broker's HA service moves the bytes). A master reads raw commit-log ranges; a follower
 * appends what it received at the same offsets and gets it dispatched like local writes.
 */

/** A master's view of its log for HA transfers. */
export interface ReplicationSource {
  /** End of the written commit log. */
  readonly maxPhyOffset: number;
  /** mappedFileSizeCommitLog: a new follower starts at the start of the master's last segment. */
  readonly segmentSize: number;
  /** Up to `maxBytes` from `offset`, never across a segment end; undefined when nothing is there yet. */
  readRange(offset: number, maxBytes: number): Promise<Buffer | undefined>;
  /** Called after each write that moved maxPhyOffset; returns the unsubscribe function. */
  onAppended(listener: () => void): () => void;
}

/** A follower's log: bytes in, records dispatched. Local puts are refused once it exists. */
export interface ReplicaSink {
  /** End of the data received (what the follower reports to its master). */
  readonly maxPhyOffset: number;
  /** End of the last complete record dispatched into consume queues and the index. */
  readonly dispatchedPhyOffset: number;
  /** Writes `data` at `offset` (the end of this log, or a segment start when it is empty). Rejects with ReplicaWriteError otherwise. */
  append(offset: number, data: Buffer): Promise<void>;
}
