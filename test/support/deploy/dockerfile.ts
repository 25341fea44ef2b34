import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { projectRoot } from './tools.js';

export interface Instruction {
  keyword: string;
  args: string;
}

/** Dockerfile instructions, continuation lines joined, comments and parser directives dropped. */
export function instructions(text: string): Instruction[] {
  const logical = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  return logical.map((line) => {
    const [keyword = '', ...rest] = line.split(/\s+/);
    return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
  });
}

/** The project's Dockerfile, parsed. */
export const dockerfile = instructions(readFileSync(resolve(projectRoot, 'Dockerfile'), 'utf8'));

/** The instructions of each stage, in order; the last one is the image that runs. */
export const stages = dockerfile.reduce<Instruction[][]>((all, instruction) => {
  if (instruction.keyword === 'FROM') all.push([]);
  all.at(-1)?.push(instruction);
  return all;
}, []);

/** The stage the image runs. */
export const runtime = stages.at(-1) ?? [];

/** The arguments of the runtime stage's last `keyword` instruction. */
export const runtimeInstruction = (keyword: string) => runtime.filter((i) => i.keyword === keyword).at(-1)?.args;
