import * as zlib from 'node:zlib'

/** crc32 - CRC-32 (IEEE) of @buf, from node:zlib (Node >= 20.15). */
export const crc32: (buf: Uint8Array) => number = (zlib as unknown as { crc32(b: Uint8Array): number }).crc32
