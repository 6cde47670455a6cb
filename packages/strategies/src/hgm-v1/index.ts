export { HgmV1, hgmV1 } from './hgmV1.ts'
