export { runRadar, type RadarCache, type RadarContext, type RadarResult } from './radar.js';
export { mergeFirst, overlappingPairs, overlapsByTask, recommendedOrder, type LiveHead, type OverlapPair } from './pairs.js';
export { noticeMergeOrder } from './merge-order.js';
export { HELD_PREFIX, holdReason, touching } from './hold.js';
