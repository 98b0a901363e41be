// Colour, when the terminal and the user want it (NO_COLOR, FORCE_COLOR): SGR codes around
// a piece of text, or the text alone.
export type Style = 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'cyan';

const SGR: Record<Style, string> = { bold: '1', dim: '2', red: '31', green: '32', yellow: '33', cyan: '36' };

export type Paint = (style: Style, text: string) => string;

export function painter(color: boolean): Paint {
  return color ? (style, text) => (text ? `\x1b[${SGR[style]}m${text}\x1b[0m` : text) : (_style, text) => text;
}
