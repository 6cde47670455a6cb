#!/usr/bin/env node
import "../../../bin/mmsim.mjs"
