// A VM's serial console as text a human (or a prompt matcher) can read. Firmware clears the
// screen and sets modes; neither a console tail nor "login:" should carry that. The stripper
// itself is the log's (one for kiln).
export { stripTerminalCodes } from '../log/format.js';
