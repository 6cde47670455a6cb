export { HgmHstateOnce, hgmHstateOnce } from './hgmHstateOnce.ts'
