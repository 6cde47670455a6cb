export { Linux612, linux612 } from './linux612.ts'
