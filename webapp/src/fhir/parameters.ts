/** Reading and writing FHIR Parameters (operation input and output). */
type P = fhir4.ParametersParameter;

export function all(from: { parameter?: P[]; part?: P[] } | undefined, name: string): P[] {
  return (from?.parameter ?? from?.part ?? []).filter((p) => p.name === name);
}

export function one(from: { parameter?: P[]; part?: P[] } | undefined, name: string): P | undefined {
  return all(from, name)[0];
}

/** The primitive or reference value of a parameter as text. */
export function text(from: { parameter?: P[]; part?: P[] } | undefined, name: string): string | undefined {
  const p = one(from, name);
  if (!p) {
    return undefined;
  }
  const v =
    p.valueString ??
    p.valueCode ??
    p.valueUri ??
    p.valueUrl ??
    p.valueDate ??
    p.valueDateTime ??
    p.valueInstant ??
    p.valueTime ??
    p.valueId ??
    p.valueReference?.reference ??
    p.valueCoding?.code;
  if (v !== undefined) {
    return String(v);
  }
  if (p.valueInteger !== undefined) return String(p.valueInteger);
  if (p.valueDecimal !== undefined) return String(p.valueDecimal);
  if (p.valueBoolean !== undefined) return String(p.valueBoolean);
  return undefined;
}

export function num(from: { parameter?: P[]; part?: P[] } | undefined, name: string): number | undefined {
  const p = one(from, name);
  return p?.valueInteger ?? p?.valueDecimal ?? p?.valueUnsignedInt ?? p?.valuePositiveInt;
}

export function bool(from: { parameter?: P[]; part?: P[] } | undefined, name: string): boolean | undefined {
  return one(from, name)?.valueBoolean;
}

export function ref(from: { parameter?: P[]; part?: P[] } | undefined, name: string): fhir4.Reference | undefined {
  return one(from, name)?.valueReference;
}

export function texts(from: { parameter?: P[]; part?: P[] } | undefined, name: string): string[] {
  return all(from, name)
    .map((p) => p.valueString ?? p.valueCode ?? p.valueReference?.reference)
    .filter((v): v is string => v !== undefined);
}

export function resource<T extends fhir4.Resource>(from: { parameter?: P[] } | undefined, name: string): T | undefined {
  return one(from, name)?.resource as T | undefined;
}

/**
 * Builds Parameters from name/value pairs; undefined values are left out, and so is an empty
 * parameter list (R4 JSON has no empty arrays; the server refuses them).
 */
export function build(values: [string, Partial<P> | undefined][]): fhir4.Parameters {
  const parameter = values
    .filter((entry): entry is [string, Partial<P>] => entry[1] !== undefined)
    .map(([name, value]) => ({ name, ...value }));
  return parameter.length ? { resourceType: 'Parameters', parameter } : { resourceType: 'Parameters' };
}

export const str = (v: string | undefined) => (v === undefined || v === '' ? undefined : { valueString: v });
export const code = (v: string | undefined) => (v === undefined || v === '' ? undefined : { valueCode: v });
export const int = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? undefined : { valueInteger: v });
export const date = (v: string | undefined) => (v ? { valueDate: v } : undefined);
export const bool_ = (v: boolean | undefined) => (v === undefined ? undefined : { valueBoolean: v });
export const reference = (v: string | undefined) => (v ? { valueReference: { reference: v } } : undefined);
