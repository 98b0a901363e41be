#!/usr/bin/env node
// element-info, kiln's: the expanded element set, or with -e the IMAGE_ELEMENT variables (kiln element-info).
// What `npm install -g` puts on PATH for callers that run DIB's tools by name.
import { main } from '../cli.js';

process.exitCode = await main([process.argv[0]!, process.argv[1]!, 'element-info', ...process.argv.slice(2)]);
