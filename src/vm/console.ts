// A VM's serial console as text a human (or a prompt matcher) can read.
const ESC = String.fromCharCode(27);
const terminalCodes = new RegExp(`${ESC}(\\[[0-9;?]*[ -/]*[@-~]|[@-Z\\\\-_]|c)`, 'g');

/** Firmware clears the screen and sets modes; neither a console tail nor "login:" should carry that. */
export function stripTerminalCodes(text: string): string {
  return text.replace(terminalCodes, '').replace(/\r/g, '');
}
