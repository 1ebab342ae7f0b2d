import { readFileSync } from 'node:fs';
import { fromRoot } from '../../gateway/paths.js';

/** Reading the README and docs/ the way a person does: sections by heading, fenced blocks, tables. */
export function readDoc(file: string): string {
  return readFileSync(fromRoot(file), 'utf8');
}

/** The text of the `## heading` section (up to the next `## `), or an error naming what is missing. */
export function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`no "## ${heading}" section`);
  const next = markdown.indexOf('\n## ', start + 1);
  return markdown.slice(start, next < 0 ? undefined : next);
}

/** The body of the first fenced block of `language` in `markdown`. */
export function fencedBlock(markdown: string, language: string): string {
  const match = new RegExp('^```' + language + '\\n([\\s\\S]*?)^```$', 'm').exec(markdown);
  if (!match) throw new Error(`no \`\`\`${language} block`);
  return match[1]!;
}

/** The first cells of a table's rows, without their backquotes, for rows whose first cell is code. */
export function firstCodeCells(markdown: string): string[] {
  return [...markdown.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]!);
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
export function anchorOf(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
}

export function anchors(markdown: string): Set<string> {
  const withoutFences = markdown.replace(/^```[\s\S]*?^```$/gm, '');
  return new Set([...withoutFences.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchorOf(m[1]!)));
}
