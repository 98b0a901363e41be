import { KilnError } from '../errors.js';

/** Converting the build's result into an output format failed. */
export class OutputError extends KilnError {}
