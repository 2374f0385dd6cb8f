/** The built-in assignors by the protocol names members announce in JoinGroup. */
import type { PartitionAssignor } from './assignor.js';
import { cooperativeStickyAssignor } from './cooperative-sticky.js';
import { rangeAssignor } from './range.js';
import { roundRobinAssignor } from './round-robin.js';

export const BUILTIN_ASSIGNORS: ReadonlyMap<string, PartitionAssignor> = new Map([
  ['range', rangeAssignor],
  ['roundrobin', roundRobinAssignor],
  ['round-robin', roundRobinAssignor],
  ['cooperative-sticky', cooperativeStickyAssignor],
]);

export { rangeAssignor, roundRobinAssignor, cooperativeStickyAssignor };
export { stickyAssign, withoutPartitionsOwnedByOthers } from './cooperative-sticky.js';
export type { AssignorMember, PartitionAssignor, RebalanceProtocol } from './assignor.js';
