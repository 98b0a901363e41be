#!/usr/bin/env node
// ramdisk-image-create, kiln's: a kernel and an initramfs from elements (kiln ramdisk).
// What `npm install -g` puts on PATH for callers that run DIB's tools by name.
import { main } from '../cli.js';

process.exitCode = await main([process.argv[0]!, process.argv[1]!, 'ramdisk', ...process.argv.slice(2)]);
