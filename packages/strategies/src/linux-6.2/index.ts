export { Linux62, linux62 } from './linux62.ts'
