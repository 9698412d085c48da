/**
 * Checks a real answer against the OpenAPI document the server serves: the response schema of
 * its route, method and status. Objects are read as closed — a field the document does not
 * describe is a mismatch — so a test fails when a response shape drifts from its schema in
 * either direction. Covers the subset @hono/zod-openapi emits: $ref, allOf, oneOf, anyOf, type,
 * nullable, enum, properties, required, items, additionalProperties.
 */

/** An OpenAPI 3.0 schema object (the subset read here). */
interface Schema {
  $ref?: string;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  type?: string;
  nullable?: boolean;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  additionalProperties?: boolean | Schema;
}

/** The parts of the document read here. */
export interface OpenApiDocument {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: Schema }> }> }>
  >;
  components?: { schemas?: Record<string, Schema> };
}

function resolve(doc: OpenApiDocument, schema: Schema): Schema {
  let s = schema;
  while (s.$ref !== undefined) s = doc.components!.schemas![s.$ref.replace('#/components/schemas/', '')]!;
  return s;
}

/** Properties of a schema and of its allOf parts (an object described in pieces). */
function allProperties(doc: OpenApiDocument, schema: Schema): Record<string, Schema> | undefined {
  const s = resolve(doc, schema);
  const own = s.properties;
  const parts = (s.allOf ?? []).map((p) => allProperties(doc, p));
  if (own === undefined && parts.every((p) => p === undefined)) return undefined;
  return Object.assign({}, ...parts, own);
}

function typeOk(type: string | undefined, value: unknown): boolean {
  switch (type) {
    case undefined:
      return true;
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    default:
      return typeof value === type;
  }
}

/** The mismatches between `value` and `schema` (empty when it conforms). */
export function mismatches(doc: OpenApiDocument, schema: Schema, value: unknown, at = '$'): string[] {
  const s = resolve(doc, schema);
  if (value === null) return s.nullable || s.type === undefined ? [] : [`${at}: null where not nullable`];
  if (s.oneOf || s.anyOf) {
    const options = (s.oneOf ?? s.anyOf)!;
    const fits = options.filter((o) => mismatches(doc, o, value, at).length === 0).length;
    const wanted = s.oneOf ? fits === 1 : fits >= 1;
    if (!wanted) return [`${at}: fits ${fits} of the ${s.oneOf ? 'oneOf' : 'anyOf'} schemas`];
  }
  const problems = (s.allOf ?? []).flatMap((part) =>
    // allOf parts are checked for their own fields; closedness is judged on the whole.
    mismatches(doc, { ...resolve(doc, part), additionalProperties: true }, value, at),
  );
  if (!typeOk(s.type, value)) return [...problems, `${at}: not ${s.type} (${JSON.stringify(value)})`];
  if (s.enum && !s.enum.includes(value))
    problems.push(`${at}: ${JSON.stringify(value)} not in ${JSON.stringify(s.enum)}`);
  if (Array.isArray(value) && s.items)
    value.forEach((v, i) => problems.push(...mismatches(doc, s.items!, v, `${at}[${i}]`)));
  const properties = allProperties(doc, s);
  if (typeof value === 'object' && !Array.isArray(value) && (properties || s.additionalProperties)) {
    const object = value as Record<string, unknown>;
    for (const key of s.required ?? []) if (!(key in object)) problems.push(`${at}.${key}: missing`);
    for (const [key, v] of Object.entries(object)) {
      const described = properties?.[key];
      if (described) problems.push(...mismatches(doc, described, v, `${at}.${key}`));
      else if (typeof s.additionalProperties === 'object')
        problems.push(...mismatches(doc, s.additionalProperties, v, `${at}.${key}`));
      else if (s.additionalProperties !== true) problems.push(`${at}.${key}: not in the document`);
    }
  }
  return problems;
}

/** The mismatches between a response body and the document's schema for `method path → status`. */
export function responseMismatches(
  doc: OpenApiDocument,
  method: string,
  path: string,
  status: number,
  body: unknown,
): string[] {
  const response = doc.paths[path]?.[method.toLowerCase()]?.responses[String(status)];
  if (response === undefined) return [`${method} ${path}: status ${status} not in the document`];
  const schema = response.content?.['application/json']?.schema;
  if (schema === undefined) return [`${method} ${path} ${status}: no JSON schema`];
  return mismatches(doc, schema, body);
}

/** The document's path template that `path` (query ignored) matches, e.g. `/orchestrations/{id}`. */
export function templateOf(doc: OpenApiDocument, path: string): string | undefined {
  const bare = path.split('?')[0]!;
  const templates = Object.keys(doc.paths).sort((a, b) => a.split('{').length - b.split('{').length);
  return templates.find((t) => new RegExp(`^${t.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(bare));
}

/** The mismatches of an answer to `method path` (a concrete path, query allowed). */
export function answerMismatches(
  doc: OpenApiDocument,
  method: string,
  path: string,
  status: number,
  body: unknown,
): string[] {
  const template = templateOf(doc, path);
  if (template === undefined) return [`${method} ${path}: no such path in the document`];
  return responseMismatches(doc, method, template, status, body);
}
