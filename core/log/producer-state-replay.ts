/**
 * Rebuilding a partition's producer state after a restart: the batches after the newest usable
 * snapshot are applied in order (data batches to their producer's entry, markers through
 * `onMarker`, which closes the transaction and re-adds an abort's index entry). Every batch is
 * verified first; replay of a segment stops at damage (below the recovery point, where loading keeps
 * every byte), and what precedes it counts — reads report the damage itself.
 */
import { batchesIn, batchIsControl, decodeRecords, verifyBatch } from '../record/record-batch.js';
import { decodeControlRecord, type ControlRecordType } from '../record/control-record.js';
import type { LogSegment } from './log-segment.js';
import type { ProducerStateManager } from './producer-state.js';

/** Bytes read at a time. */
const REPLAY_CHUNK = 1 << 20;

export interface ReplayedMarker {
  segment: LogSegment;
  type: ControlRecordType;
  producerId: number;
  producerEpoch: number;
  coordinatorEpoch: number;
  offset: number;
  timestamp: number;
}

/** Applies the batches of `segment` at or after `from`; returns how many carried a producer id. */
export function replaySegment(segment: LogSegment, from: number, producers: ProducerStateManager, onMarker: (marker: ReplayedMarker) => void): number {
  let replayed = 0;
  try {
    let position = segment.baseOffset >= from ? 0 : segment.locate(from).position;
    while (position < segment.size) {
      const first = segment.batchAt(position);
      if (first === null) break;
      const bytes = segment.readBytes(position, Math.max(REPLAY_CHUNK, first.size));
      let used = 0;
      for (const { position: at, size } of batchesIn(bytes, 0)) {
        const header = verifyBatch(bytes, at, size);
        used = at + size;
        const lastOffset = header.baseOffset + header.lastOffsetDelta;
        if (lastOffset < from || header.producerId < 0) continue;
        replayed++;
        if (!batchIsControl(header.attributes)) {
          producers.onBatch(header, header.baseOffset, lastOffset);
          continue;
        }
        const [record] = decodeRecords(bytes.subarray(at, at + size), header);
        if (record === undefined) continue;
        const marker = decodeControlRecord(record);
        if (marker.type === 'unknown') continue;
        onMarker({
          segment,
          type: marker.type,
          producerId: header.producerId,
          producerEpoch: header.producerEpoch,
          coordinatorEpoch: marker.coordinatorEpoch,
          offset: header.baseOffset,
          timestamp: header.maxTimestamp,
        });
      }
      if (used === 0) break;
      position += used;
    }
  } catch {
    // Damage: stop here (see above).
  }
  return replayed;
}
