/**
 * `for await (const message of consumer)` on a push consumer: the loop becomes the listener.
 * A message counts as consumed when the loop asks for the next one; leaving the loop (break,
 * return or an exception: a for-await loop cannot tell them apart) hands the message in hand
 * back for a later redelivery, so nothing is lost when the body fails.
 */
import type { MessageExt } from '../message.ts';
import type { ConsumeConcurrentlyStatus, MessageListener } from './listener.ts';

interface Delivery {
  message: MessageExt;
  settle(consumed: boolean): void;
}

export class MessageStream implements AsyncIterator<MessageExt> {
  private readonly ready: Delivery[] = [];
  private readonly takers: ((delivery: Delivery | undefined) => void)[] = [];
  private inHand: Delivery | undefined;
  private closed = false;

  /** The listener the consumer calls; resolves when the loop is done with the message. */
  readonly listener: MessageListener = (message) =>
    new Promise<ConsumeConcurrentlyStatus>((resolve) => {
      const delivery: Delivery = { message, settle: (consumed) => resolve(consumed ? 'CONSUME_SUCCESS' : 'RECONSUME_LATER') };
      if (this.closed) return delivery.settle(false);
      const taker = this.takers.shift();
      if (taker) taker(delivery);
      else this.ready.push(delivery);
    });

  async next(): Promise<IteratorResult<MessageExt>> {
    this.inHand?.settle(true);
    this.inHand = undefined;
    if (this.closed) return { done: true, value: undefined };
    const delivery = this.ready.shift() ?? (await new Promise<Delivery | undefined>((resolve) => this.takers.push(resolve)));
    if (!delivery) return { done: true, value: undefined };
    this.inHand = delivery;
    return { done: false, value: delivery.message };
  }

  /** The loop was left: the message in hand was not (known to be) consumed. */
  async return(): Promise<IteratorResult<MessageExt>> {
    this.inHand?.settle(false);
    this.inHand = undefined;
    return { done: true, value: undefined };
  }

  /** Ends the iteration (consumer shutdown): waiting loops finish, undelivered messages go back. */
  close(): void {
    this.closed = true;
    for (const taker of this.takers.splice(0)) taker(undefined);
    for (const delivery of this.ready.splice(0)) delivery.settle(false);
  }
}
