#!/usr/bin/env node
// diskimage-builder, kiln's: every image of DIB's YAML image files (kiln diskimage-builder).
// What `npm install -g` puts on PATH for callers that run DIB's tools by name.
import { main } from '../cli.js';

process.exitCode = await main([process.argv[0]!, process.argv[1]!, 'diskimage-builder', ...process.argv.slice(2)]);
