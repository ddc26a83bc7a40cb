// RFC 8259 JSON with duplicate object keys rejected, as saas_contracts._jsonio does.
// JSON.parse checks the syntax (and refuses NaN/Infinity) but silently keeps the last of
// duplicate keys, which would drop data; the scan below finds them in the validated text.

/** Parse `text`, throwing SyntaxError on invalid JSON or on a duplicate object key. */
export function parseStrict(text) {
  const value = JSON.parse(text);
  const stack = [];
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i];
    if (char === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === "\\" ? 2 : 1;
      const top = stack[stack.length - 1];
      if (top?.expectKey) {
        const key = JSON.parse(text.slice(i, end + 1)); // compare keys unescaped
        if (top.keys.has(key)) throw new SyntaxError("duplicate object key");
        top.keys.add(key);
        top.expectKey = false;
      }
      i = end;
    } else if (char === "{") {
      stack.push({ keys: new Set(), expectKey: true });
    } else if (char === "[") {
      stack.push(null);
    } else if (char === "}" || char === "]") {
      stack.pop();
    } else if (char === ",") {
      const top = stack[stack.length - 1];
      if (top) top.expectKey = true;
    }
  }
  return value;
}
