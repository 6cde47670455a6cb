export { Linux615NoPageMapcount, linux615NoPageMapcount } from './linux615NoPageMapcount.ts'
