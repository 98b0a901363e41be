// The named ways an element set can be wrong. Each is an ElementError (exit 1) whose message
// names the element and the file involved, and whose hint says what to do. The names follow
// diskimage-builder's own exceptions where DIB has one, so a DIB user recognises them.
import { ElementError } from '../errors.js';

/** An element path entry (-p, ELEMENTS_PATH) is not a directory. DIB: InvalidElementDir. */
export class ElementPathError extends ElementError {}

/** A requested or depended-on element is on no element path and provided by no element. DIB: MissingElementException. */
export class MissingElementError extends ElementError {
  constructor(
    readonly element: string,
    message: string,
    opts: { hint?: string } = {},
  ) {
    super(message, opts);
  }
}

/** Two elements provide the same name, or a requested element is provided by another. DIB: AlreadyProvidedException. */
export class AlreadyProvidedError extends ElementError {
  constructor(
    readonly provided: string,
    readonly providers: string[],
    message: string,
    opts: { hint?: string } = {},
  ) {
    super(message, opts);
  }
}

/** No element in the set provides operating-system. DIB: MissingOSException. */
export class MissingOSError extends ElementError {}

/** Two elements ship the same file in the same hook directory (DIB: "duplicated hook in your elements"). */
export class DuplicateHookError extends ElementError {
  constructor(
    readonly hook: string,
    readonly elements: [string, string],
    message: string,
    opts: { hint?: string } = {},
  ) {
    super(message, opts);
  }
}

/** An element's file could not be read or copied. */
export class ElementFileError extends ElementError {}
