export { TotalMappedPages, totalMappedPages } from './totalMappedPages.ts'
