// `-o summary|json|yaml|jsonpath=…` (stunner-v1.md §4): one rendering per object, as STUNner's stunnerctl
// prints them: JSON as one line per object (a watch stays a line stream), YAML documents separated by
// `---`, a jsonpath template's text with a newline, or the command's human summary.
import { stringify } from 'yaml';
import { StunnerctlError } from './errors.ts';
import { type JsonPathTemplate, parseJsonPathTemplate } from './jsonpath-template.ts';

export type OutputFormat =
  | { kind: 'summary' }
  | { kind: 'json' }
  | { kind: 'yaml' }
  | { kind: 'jsonpath'; template: JsonPathTemplate };

export function parseOutputFormat(text: string): OutputFormat {
  if (text === 'summary' || text === 'json' || text === 'yaml') return { kind: text };
  const m = /^jsonpath=(.*)$/s.exec(text);
  if (m) return { kind: 'jsonpath', template: parseJsonPathTemplate(m[1]!) };
  throw new StunnerctlError(
    'STUNNERCTL_ERR_OUTPUT',
    `unknown output format "${text}": use summary, json, yaml or jsonpath=<template> (e.g. jsonpath='{.admin.name}')`,
  );
}

/** Writes objects one after the other in the chosen format. */
export class Printer {
  readonly #format: OutputFormat;
  readonly #write: (s: string) => void;
  #count = 0;

  constructor(format: OutputFormat, write: (s: string) => void) {
    this.#format = format;
    this.#write = write;
  }

  get format(): OutputFormat {
    return this.#format;
  }

  print(value: unknown, summary: () => string): void {
    const f = this.#format;
    let text: string;
    if (f.kind === 'json') text = `${JSON.stringify(value)}\n`;
    else if (f.kind === 'yaml') {
      text = `${this.#count > 0 ? '---\n' : ''}${stringify(value, { lineWidth: 0, aliasDuplicateObjects: false })}`;
    } else if (f.kind === 'jsonpath') text = `${f.template.render(value)}\n`;
    else text = `${this.#count > 0 ? '\n' : ''}${summary()}`;
    this.#count++;
    this.#write(text);
  }

  /** A line that is not an object (a deleted config during a watch) in the summary and jsonpath views. */
  note(line: string): void {
    if (this.#format.kind === 'summary' || this.#format.kind === 'jsonpath') this.#write(`${line}\n`);
  }
}
