export { linux615NoPageMapcount } from './linux615NoPageMapcount.ts'
