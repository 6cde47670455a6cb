export { totalMappedPages } from './totalMappedPages.ts'
