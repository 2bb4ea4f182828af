/** Doc comments carried over from .proto comments. */
export function docComment(comment: string | null | undefined, indent = ''): string[] {
  if (comment === null || comment === undefined || comment.trim() === '') return [];
  const lines = comment.replace(/\*\//g, '*\\/').trim().split('\n').map((line) => line.trimEnd());
  if (lines.length === 1) return [`${indent}/** ${lines[0]} */`];
  return [`${indent}/**`, ...lines.map((line) => (line === '' ? `${indent} *` : `${indent} * ${line}`)), `${indent} */`];
}
