// kiln's element engine: diskimage-builder's element contract in pure TypeScript, no VM.
//
// A build uses it in four calls:
//
//   const elementPaths = elementPathFromOptions(opts.elementPaths, process.env);
//       -p/--element-path dirs (each may be a colon list), then ELEMENTS_PATH, then kiln's
//       built-in elements/ (pass { builtin: false } to leave it out). First found wins.
//
//   const resolved = resolveElements({ names, elementPaths, skipBase, excludeElements, arch });
//       The expanded element set, by DIB's rules: element-deps / element-provides, virtual
//       elements, exactly one operating-system provider, "base" added unless skipBase, the vm
//       block-device default disk-image-create adds; excludeElements dropped afterwards.
//       resolved.elements: { name, path, requiredBy }[] sorted by name (stable; DIB's own
//       order is Python set order). resolved.elementPaths joined with ':' is the
//       ELEMENTS_PATH to export (package-installs-squash searches it).
//       Throws MissingElementError, AlreadyProvidedError, MissingOSError, ElementPathError.
//
//   const plan = collectScripts(resolved.elements, { excludeScripts });
//       plan.phases[phase]: the scripts of root, extra-data, pre-install, install,
//       post-install, post-root, block-device, pre-finalise, finalise, cleanup in the order
//       dib-run-parts runs them, each with its element; plan.environment: environment.d
//       files in sourcing order; plan.ignored: files that will not run and why.
//       Throws DuplicateHookError (both elements named), or ElementFileError for an
//       --exclude-script name no element has.
//
//   const staged = stageHooks(resolved, privateTmpDir, { excludeScripts });
//       Copies everything into privateTmpDir/hooks exactly as DIB builds TMP_HOOKS_PATH,
//       a plain directory ready for one transfer into the appliance. Returns hooksPath,
//       imageElement / imageElementYaml / imageElementArray (IMAGE_ELEMENT,
//       IMAGE_ELEMENT_YAML and get_image_element_array's body as DIB defines them), the
//       element owning each staged file, and files one element's copy replaced.
//
// Also: renderElementEnv (DIB's `element-info --env` text), elementDataFiles and
// blockDeviceConfig (the non-hook files elements carry), discoverElements (the raw index),
// runPartsOrder / environmentOrder (DIB's sort orders). Every failure is an ElementError.
export { elementPathFromOptions, isBuiltinElement, splitPathList, type ElementPathOptions } from './path.js';
export { discoverElements, ElementIndex, type ElementOverride } from './discover.js';
export { Element, parseNameList } from './element.js';
export { resolveElements, dibDefaultElements, type ResolveOptions, type Resolution, type ResolvedElement } from './resolve.js';
export {
  collectScripts,
  IGNORED_BECAUSE,
  PHASES,
  SCRIPT_NAME,
  ENVIRONMENT_NAME,
  type Phase,
  type ElementRef,
  type ElementScript,
  type IgnoredHookFile,
  type ScriptPlan,
  type CollectOptions,
} from './scripts.js';
export { stageHooks, type StagedHooks, type StageOptions, type ReplacedHookFile } from './stage.js';
export { stageElements, stagedElementEnv } from './stage-elements.js';
export { imageElementEnv, renderElementEnv, type ImageElementEnv } from './env.js';
export { elementDataFiles, blockDeviceConfig, type ElementDataFile, type DataFileKind } from './files.js';
export { runPartsOrder, environmentOrder, byteOrder } from './order.js';
export {
  ElementPathError,
  MissingElementError,
  AlreadyProvidedError,
  MissingOSError,
  DuplicateHookError,
  ElementFileError,
} from './errors.js';
