export { HgmV2ThpLike, hgmV2ThpLike } from './hgmV2ThpLike.ts'
