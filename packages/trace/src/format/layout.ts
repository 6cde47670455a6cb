/**
 * `.mmtrace` v1 byte layout (all integers little-endian; f64 eventsBefore only when the header says runningCounts):
 *
 *   file    := header frame* index trailer
 *   header  := "MMTRACE1" u32 len u32 crc32 msgpack(TraceHeader)
 *   frame   := "FRM1" u32 len u32 crc32 u32 events u32 frameNo payload[len]  (payload ends with f64 eventsBefore)
 *   index   := "IDX1" u32 len u32 crc32 u32 frames u32 0 msgpack({ offsets, events })
 *   trailer := f64 indexOffset "MMTREND1"
 *
 * A frame's payload is decodable on its own: u32 metaLen, msgpack meta, then 8-byte aligned raw columns
 * (event type codes, cause indices, one column per field slot; see frameCodec.ts).
 */
export const FILE_MAGIC = 'MMTRACE1'
export const FRAME_MAGIC = 'FRM1'
export const INDEX_MAGIC = 'IDX1'
export const TRAILER_MAGIC = 'MMTREND1'
export const FORMAT_VERSION = 1
/** bytes before a header's payload */
export const HEADER_PREFIX = 16
/** bytes before a frame's or the index's payload */
export const FRAME_PREFIX = 20
export const TRAILER_SIZE = 16
/** a frame larger than this is treated as damage, not allocated */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024
/** a header larger than this is refused before anything is allocated for it */
export const MAX_HEADER_BYTES = 64 * 1024 * 1024
/** an index larger than this (about 8 M frames) is treated as damaged, not allocated */
export const MAX_INDEX_BYTES = 256 * 1024 * 1024
/** default events per frame */
export const DEFAULT_FRAME_EVENTS = 4096
