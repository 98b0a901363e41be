// extra-data.d on the host: a missing Python module is named, with the package that has it.
import { describe, expect, it } from 'vitest';
import { missingPythonModules } from '../../../src/build/run-phase.js';

describe('missingPythonModules', () => {
  it('names the modules of a traceback and their Debian packages', () => {
    const hint = missingPythonModules(['Traceback (most recent call last):', '  File "x", line 3', "ModuleNotFoundError: No module named 'yaml'", "ImportError: No module named 'diskimage_builder.logging_config'"]);
    expect(hint).toContain('Python modules yaml, diskimage_builder on the host');
    expect(hint).toContain('apt-get install python3-yaml python3-diskimage-builder');
  });
  it('says nothing for other failures', () => {
    expect(missingPythonModules(['RuntimeError: The variable <X> is not set'])).toBeUndefined();
  });
});
