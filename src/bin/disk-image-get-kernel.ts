#!/usr/bin/env node
// disk-image-get-kernel, kiln's (kiln get-kernel): -i IMAGE, -d DIR (default /tmp), -o PREFIX
// (default baremetal), as DIB's old script took them; the image is read in the appliance.
// What `npm install -g` puts on PATH for callers that run DIB's tools by name.
import { main } from '../cli.js';

// DIB's defaults first: an option the caller gives comes later and wins
process.exitCode = await main([process.argv[0]!, process.argv[1]!, 'get-kernel', '-d', '/tmp', '-o', 'baremetal', ...process.argv.slice(2)]);
