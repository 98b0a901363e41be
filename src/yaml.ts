// The one module that imports the yaml package (DIB's element data and block-device
// configs are YAML): everything else uses these two functions.
export { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
