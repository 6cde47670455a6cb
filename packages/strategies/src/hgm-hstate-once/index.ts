export { hgmHstateOnce } from './hgmHstateOnce.ts'
