// RFC 6901 JSON Pointers: the one place that escapes, parses, reads and writes them (Python:
// saas_contracts._pointer). Output that may reach a person masks its tokens first (privacy mask).

/** Escape one reference token (`~` as `~0`, then `/` as `~1`). */
export const escapeToken = (token: string): string => token.replaceAll("~", "~0").replaceAll("/", "~1");

/** Undo escapeToken (`~1` first, then `~0`, as RFC 6901 section 4 requires). */
export const unescapeToken = (token: string): string => token.replaceAll("~1", "/").replaceAll("~0", "~");

/** The unescaped reference tokens of a pointer; RangeError unless it is "" or starts with "/". */
export function parsePointer(pointer: string): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) throw new RangeError("a JSON Pointer is empty or starts with '/'");
  return pointer.slice(1).split("/").map(unescapeToken);
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

// An array index is "0" or digits without a leading zero, inside the array ("-" is not readable).
function index(token: string, length: number): number {
  if (!/^(?:0|[1-9][0-9]{0,17})$/.test(token) || Number(token) >= length) throw new RangeError("the pointer does not fit the document");
  return Number(token);
}

function step(container: unknown, token: string): unknown {
  if (Array.isArray(container)) return container[index(token, container.length)];
  if (isObject(container) && Object.hasOwn(container, token)) return container[token];
  throw new RangeError("the pointer does not fit the document");
}

/** The value a pointer designates; RangeError when it is absent. */
export function resolvePointer(document: unknown, pointer: string): unknown {
  let target = document;
  for (const token of parsePointer(pointer)) target = step(target, token);
  return target;
}

/** Set the value a pointer designates, in place (the last object member may be new); RangeError when it does not fit. */
export function setPointer(document: unknown, pointer: string, value: unknown): void {
  const tokens = parsePointer(pointer);
  const last = tokens.pop();
  if (last === undefined) throw new RangeError("the empty pointer designates the whole document, which cannot be set in place");
  let parent = document;
  for (const token of tokens) parent = step(parent, token);
  if (Array.isArray(parent)) parent[index(last, parent.length)] = value;
  else if (isObject(parent)) parent[last] = value;
  else throw new RangeError("the pointer does not fit the document");
}
