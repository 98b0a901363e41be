// The variables through which elements see the element set, as DIB's element-info --env
// defines them (disk-image-create evals its output):
//   IMAGE_ELEMENT             names, space separated
//   IMAGE_ELEMENT_YAML        a YAML mapping name -> element path, keys sorted (PyYAML safe_dump)
//   get_image_element_array   an exported bash function echoing "[name]=path ..." for
//                             `eval declare -A image_elements=($(get_image_element_array))`
// Paths are the host paths of the element directories, as in DIB: the scripts that read
// them (package-installs, pkg-map, svc-map, block-device lookup) run on the host side.
import { doubleQuote, quote } from '../quote.js';
import { stringifyYaml as stringify } from '../yaml.js';
import type { ElementRef } from './scripts.js';

export interface ImageElementEnv {
  IMAGE_ELEMENT: string;
  IMAGE_ELEMENT_YAML: string;
  /** The body get_image_element_array echoes. */
  imageElementArray: string;
}

export function imageElementEnv(elements: readonly ElementRef[]): ImageElementEnv {
  const map: Record<string, string> = {};
  for (const e of elements) map[e.name] = e.path;
  return {
    IMAGE_ELEMENT: elements.map((e) => e.name).join(' '),
    // YAML 1.1 so names like "on" or "yes" are quoted the way PyYAML quotes them (and read
    // back as strings by PyYAML); no line folding, so a long path stays on one line.
    IMAGE_ELEMENT_YAML: stringify(map, { version: '1.1', sortMapEntries: true, singleQuote: true, lineWidth: 0 }),
    // Consumers eval this text, so anything beyond plain path characters is shell-quoted
    // (DIB does not quote; for ordinary names and paths the text is the same as DIB's).
    imageElementArray: elements.map((e) => `[${quote(e.name)}]=${quote(e.path)} `).join(''),
  };
}

/**
 * What DIB's `element-info --env` prints, byte for byte for ordinary names and paths
 * (kiln quotes properly where DIB would emit broken shell, e.g. a quote in a path).
 */
export function renderElementEnv(elements: readonly ElementRef[]): string {
  const env = imageElementEnv(elements);
  return (
    `export IMAGE_ELEMENT=${singleQuote(env.IMAGE_ELEMENT)}\n` +
    `export IMAGE_ELEMENT_YAML=${singleQuote(env.IMAGE_ELEMENT_YAML)}\n` +
    `function get_image_element_array {\n  echo ${doubleQuote(env.imageElementArray)}\n};\nexport -f get_image_element_array;\n`
  );
}

function singleQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
