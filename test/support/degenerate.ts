/**
 * Degenerate but schema-valid answers, for checking that every structured-output schema CODI sends admits
 * only answers CODI can use. Constrained decoding guarantees the schema and nothing more, so these are
 * answers a model may legitimately give: first (or last) enum value everywhere, arrays at their minimum (or
 * maximum) length, optional properties left out, strings empty or blank, numbers on their bounds.
 *
 * String lengths (`minLength`/`maxLength`) are treated as NOT enforced, since Gemini does not enforce them;
 * `validate` likewise ignores them. Item counts, enums, required properties and number bounds are enforced.
 */
type Schema = Record<string, unknown>;

export type Variant = 'min' | 'max' | 'blank';
export const VARIANTS: readonly Variant[] = ['min', 'max', 'blank'];

const isSchema = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

function typeOf(s: Schema): string {
  const t = s.type;
  const list = (Array.isArray(t) ? t : [t]).filter((x): x is string => typeof x === 'string').map((x) => x.toLowerCase());
  return list.find((x) => x !== 'null') ?? (isSchema(s.properties) ? 'object' : s.items !== undefined ? 'array' : 'string');
}

/** One degenerate value of `schema` for `variant`. */
export function degenerate(schema: unknown, variant: Variant): unknown {
  const s = isSchema(schema) ? schema : {};
  if (Array.isArray(s.enum) && s.enum.length > 0) return variant === 'max' ? s.enum[s.enum.length - 1] : s.enum[0];
  switch (typeOf(s)) {
    case 'object': {
      const props = isSchema(s.properties) ? s.properties : {};
      const required = strings(s.required);
      const keys = variant === 'max' ? Object.keys(props) : Object.keys(props).filter((k) => required.includes(k));
      return Object.fromEntries(keys.map((k) => [k, degenerate(props[k], variant)]));
    }
    case 'array': {
      const min = num(s.minItems) ?? 0;
      const n = variant === 'max' ? (num(s.maxItems) ?? min + 3) : min;
      return Array.from({ length: n }, () => degenerate(s.items, variant));
    }
    case 'number':
    case 'integer': {
      const lo = num(s.minimum);
      const hi = num(s.maximum);
      if (variant === 'max') return hi ?? 1e6;
      return lo ?? -1e6;
    }
    case 'boolean':
      return variant === 'max';
    default:
      return variant === 'blank' ? ' \n ' : variant === 'max' ? 'x'.repeat(2000) : '';
  }
}

/** Errors of `value` against `schema` (the subset of JSON Schema CODI uses; string lengths not enforced). */
export function validate(schema: unknown, value: unknown, path = '$'): string[] {
  const s = isSchema(schema) ? schema : {};
  if (Array.isArray(s.enum) && !s.enum.includes(value)) return [`${path}: not one of ${JSON.stringify(s.enum)}`];
  switch (typeOf(s)) {
    case 'object': {
      if (!isSchema(value)) return [`${path}: not an object`];
      const props = isSchema(s.properties) ? s.properties : {};
      const errs = strings(s.required).filter((k) => !(k in value)).map((k) => `${path}.${k}: required`);
      for (const [k, v] of Object.entries(value)) if (k in props) errs.push(...validate(props[k], v, `${path}.${k}`));
      return errs;
    }
    case 'array': {
      if (!Array.isArray(value)) return [`${path}: not an array`];
      const errs: string[] = [];
      const min = num(s.minItems);
      const max = num(s.maxItems);
      if (min !== undefined && value.length < min) errs.push(`${path}: fewer than ${min} items`);
      if (max !== undefined && value.length > max) errs.push(`${path}: more than ${max} items`);
      value.forEach((v, i) => errs.push(...validate(s.items, v, `${path}[${i}]`)));
      return errs;
    }
    case 'number':
    case 'integer': {
      if (typeof value !== 'number' || (typeOf(s) === 'integer' && !Number.isInteger(value))) return [`${path}: not a ${typeOf(s)}`];
      const lo = num(s.minimum);
      const hi = num(s.maximum);
      return (lo !== undefined && value < lo) || (hi !== undefined && value > hi) ? [`${path}: ${value} out of [${lo}, ${hi}]`] : [];
    }
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${path}: not a boolean`];
    default:
      return typeof value === 'string' ? [] : [`${path}: not a string`];
  }
}
