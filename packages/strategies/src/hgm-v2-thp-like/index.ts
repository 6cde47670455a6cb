export { hgmV2ThpLike } from './hgmV2ThpLike.ts'
