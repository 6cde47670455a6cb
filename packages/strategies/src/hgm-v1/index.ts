export { hgmV1 } from './hgmV1.ts'
