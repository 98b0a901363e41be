#!/usr/bin/env node
// disk-image-create, kiln's: DIB's options and environment, every privileged step in the appliance (kiln dib).
// What `npm install -g` puts on PATH for callers that run DIB's tools by name.
import { main } from '../cli.js';

process.exitCode = await main([process.argv[0]!, process.argv[1]!, 'dib', ...process.argv.slice(2)]);
