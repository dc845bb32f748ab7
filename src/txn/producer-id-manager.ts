/**
 * Hands out producer ids (Kafka's ProducerIdManager on each broker): ids come from blocks the
 * controller reserved durably for this broker, so no id is ever given twice, whatever restarts
 * or other brokers do. A new block is asked for when the current one is used up; requests that
 * arrive meanwhile wait for the same block.
 */
import type { ProducerIdBlock } from '../cluster/controller.js';

export class ProducerIdManager {
  private next = 0;
  private end = 0;
  private fetching: Promise<void> | null = null;

  constructor(private readonly allocate: () => Promise<ProducerIdBlock>) {}

  /** Rejects when no block could be reserved (the controller could not persist one). */
  async generateProducerId(): Promise<number> {
    while (this.next >= this.end) {
      this.fetching ??= this.allocate()
        .then((block) => {
          this.next = block.firstProducerId;
          this.end = block.firstProducerId + block.size;
        })
        .finally(() => {
          this.fetching = null;
        });
      await this.fetching;
    }
    return this.next++;
  }
}
