// --envvar: virt-dib's rule. The host environment is not inherited; only variables named
// with --envvar NAME (carried if set) or --envvar NAME=VALUE (set) reach elements.
import { UsageError } from '../errors.js';

export interface EnvvarSpec {
  name: string;
  /** undefined: carry the host's value if it has one. */
  value?: string;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parseEnvvar(spec: string, option = '--envvar'): EnvvarSpec {
  const eq = spec.indexOf('=');
  const name = eq < 0 ? spec : spec.slice(0, eq);
  if (!NAME.test(name)) throw new UsageError(`${option} ${spec}: "${name}" is not a valid variable name`, { hint: `use ${option} NAME or ${option} NAME=VALUE` });
  return eq < 0 ? { name } : { name, value: spec.slice(eq + 1) };
}

/**
 * The user's part of the element environment. With dibEnv (--dib-env), DIB_* variables of
 * the host are carried too, as disk-image-create does.
 */
export function userEnvironment(specs: EnvvarSpec[], host: NodeJS.ProcessEnv, dibEnv = false): Record<string, string> {
  const env: Record<string, string> = {};
  if (dibEnv) {
    for (const [k, v] of Object.entries(host)) if (k.startsWith('DIB_') && v !== undefined) env[k] = v;
  }
  for (const s of specs) {
    const v = s.value ?? host[s.name];
    if (v !== undefined) env[s.name] = v;
  }
  return env;
}

/** Replace secret values wherever they might appear in text kiln logs or writes. */
export function redactor(secrets: Record<string, string>): (text: string) => string {
  // every secret, however short: a one-letter password is still a password
  const values = Object.values(secrets).filter((v) => v.length > 0).sort((a, b) => b.length - a.length);
  if (values.length === 0) return (t) => t;
  return (text) => values.reduce((t, v) => t.split(v).join('****'), text);
}
